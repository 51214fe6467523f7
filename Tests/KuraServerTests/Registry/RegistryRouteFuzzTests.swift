import KuraCore
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVault
import KuraKeyVaultHTTP
import KuraManagement
import KuraManagementHTTP
import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): registry paths — repository names, manifest references and digests as the
/// OCI endpoints carry them. A path routes, is no endpoint (nil), or is refused as a client error
/// (4xx); what routes carries names, references and digests that round-trip.
@Suite struct RegistryRouteFuzzTests {
    static let digest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
    static let seeds = [
        "/v2/", "/v2", "/v2/_catalog", "/v2/team/app/tags/list", "/v2/team/app/manifests/latest", "/v2/team/app/manifests/\(digest)",
        "/v2/a/b/c/blobs/\(digest)", "/v2/team/app/blobs/uploads/", "/v2/team/app/blobs/uploads/3f1e7c2a-0000-4000-8000-000000000001",
        "/v2/team/app/referrers/\(digest)", "/oauth2/token", "/oauth2/exchange", "/acr/v1/_catalog", "/acr/v1/team/app",
        "/acr/v1/team/app/_manifests", "/acr/v1/team/app/_tags", "/acr/v1/team/app/_tags/v1", "/v2/manifests/manifests/manifests",
        "/v2/blobs/uploads/blobs/uploads/", "/v2/" + String(repeating: "a/", count: 130) + "manifests/x",
    ]

    @Test func registryPathsRouteOrFailAsAClientError() {
        var fuzz = FuzzRun("registry path (RegistryRoute(path:))", seed: 0x52_4F55_5445, tokens: FuzzRun.tokens + [
            "/v2/", "/manifests/", "/blobs/", "/uploads/", "/tags/list", "/referrers/", "/acr/v1/", "/_tags/", "/_manifests", Self.digest, "latest",
        ])
        for _ in 0..<fuzz.cases {
            let path = fuzz.string(seeds: Self.seeds, maxLength: 600)
            fuzz.trace(path)
            do throws(RegistryError) {
                guard let route = try RegistryRoute(path: path) else { fuzz.reject(); continue }
                fuzz.accept()
                _ = route.requiredScope(method: fuzz.pick(["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS"]))
                fuzz.check(Self.roundTrips(route), "\(FuzzRun.quoted(path)) routes to \(route), whose parts do not round-trip")
            } catch {
                fuzz.refused(error, FuzzRun.quoted(path))
            }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    /// Names, references and digests of `route` parse back to themselves (not exhaustive, so a new
    /// route case does not break this test).
    static func roundTrips(_ route: RegistryRoute) -> Bool {
        func valid(_ name: RepositoryName) -> Bool { name.value.utf8.count <= 255 && RepositoryName(name.value) == name }
        if case .manifest(let name, let reference) = route { return valid(name) && Reference(reference.description) == reference }
        if case .blob(let name, let digest) = route { return valid(name) && ContentDigest(digest.description) == digest }
        if case .referrers(let name, let digest) = route { return valid(name) && ContentDigest(digest.description) == digest }
        if case .acrTag(let name, let tag) = route { return valid(name) && Tag(tag.value) == tag }
        if case .tags(let name) = route { return valid(name) }
        if case .uploads(let name) = route { return valid(name) }
        if case .upload(let name, _) = route { return valid(name) }
        if case .acrRepository(let name) = route { return valid(name) }
        return true
    }
}
