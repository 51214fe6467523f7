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
import Testing

@Suite struct RegistryRouteTests {
    let digest = ContentDigest("sha256:" + String(repeating: "a", count: 64))!

    @Test func parsesEveryEndpointWithNestedNames() throws {
        let name = RepositoryName("a/blobs/b")!
        #expect(try RegistryRoute(path: "/v2/") == .base)
        #expect(try RegistryRoute(path: "/v2") == .base)
        #expect(try RegistryRoute(path: "/v2/_catalog") == .catalog)
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/tags/list") == .tags(name))
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/manifests/v1") == .manifest(name, .tag(Tag("v1")!)))
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/manifests/\(digest)") == .manifest(name, .digest(digest)))
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/blobs/\(digest)") == .blob(name, digest))
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/blobs/uploads/") == .uploads(name))
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/blobs/uploads") == .uploads(name))
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/blobs/uploads/123") == .upload(name, "123"))
        #expect(try RegistryRoute(path: "/v2/a/blobs/b/referrers/\(digest)") == .referrers(name, digest))
        #expect(try RegistryRoute(path: "/oauth2/token") == .token)
        #expect(try RegistryRoute(path: "/acr/v1/_catalog") == .acrCatalog)
        #expect(try RegistryRoute(path: "/acr/v1/a/blobs/b") == .acrRepository(name))
        #expect(try RegistryRoute(path: "/acr/v1/a/blobs/b/_manifests") == .acrManifests(name))
        #expect(try RegistryRoute(path: "/acr/v1/a/blobs/b/_tags") == .acrTags(name))
        #expect(try RegistryRoute(path: "/acr/v1/a/blobs/b/_tags/v1.0") == .acrTag(name, Tag("v1.0")!))
        #expect(try RegistryRoute(path: "/elsewhere") == nil)
        #expect(try RegistryRoute(path: "/v2/a/unknown/thing") == nil)
    }

    @Test func malformedPartsAreTypedErrors() {
        #expect(throws: RegistryError.self) { _ = try RegistryRoute(path: "/v2/UPPER/tags/list") }
        let digestError = #expect(throws: RegistryError.self) { _ = try RegistryRoute(path: "/v2/a/blobs/sha256:xyz") }
        #expect(digestError?.code == .digestInvalid)
        let malformed = try? RegistryRoute(path: "/v2/a/manifests/-tag")
        #expect(malformed == .malformedManifestReference(RepositoryName("a")!, "-tag"), "GET of an invalid reference answers MANIFEST_UNKNOWN")
        let acrError = #expect(throws: RegistryError.self) { _ = try RegistryRoute(path: "/acr/v1/Bad Name/_manifests") }
        #expect(acrError?.code == .nameInvalid)
        let acrTagError = #expect(throws: RegistryError.self) { _ = try RegistryRoute(path: "/acr/v1/a/_tags/-bad") }
        #expect(acrTagError?.code == .manifestInvalid)
    }

    @Test func scopesFollowTheMethod() {
        let name = RepositoryName("team/app")!
        #expect(RegistryRoute.blob(name, digest).requiredScope(method: "GET") == .repository(name, "pull"))
        #expect(RegistryRoute.uploads(name).requiredScope(method: "POST") == .repository(name, "push"))
        #expect(RegistryRoute.manifest(name, .tag(Tag("x")!)).requiredScope(method: "DELETE") == .repository(name, "delete"))
        #expect(RegistryRoute.catalog.requiredScope(method: "GET") == .catalog)
        #expect(RegistryRoute.base.requiredScope(method: "GET") == nil)
        #expect(RegistryRoute.acrManifests(name).requiredScope(method: "GET") == .repository(name, "metadata_read"))
        #expect(RegistryRoute.acrRepository(name).requiredScope(method: "GET") == .repository(name, "metadata_read"))
        #expect(RegistryRoute.acrRepository(name).requiredScope(method: "DELETE") == .repository(name, "delete"))
        #expect(RegistryRoute.acrTag(name, Tag("v1")!).requiredScope(method: "DELETE") == .repository(name, "delete"))
        #expect(RegistryRoute.acrTags(name).requiredScope(method: "GET") == .repository(name, "metadata_read"))
    }

    @Test func byteRanges() {
        #expect(ByteRange.parse("bytes=0-0", size: 10) == 0..<1)
        #expect(ByteRange.parse("bytes=5-", size: 10) == 5..<10)
        #expect(ByteRange.parse("bytes=-4", size: 10) == 6..<10)
        #expect(ByteRange.parse("bytes=-40", size: 10) == 0..<10)
        #expect(ByteRange.parse("bytes=8-100", size: 10) == 8..<10)
        #expect(ByteRange.parse("bytes=10-11", size: 10) == nil)
        #expect(ByteRange.parse("bytes=0-0", size: 0) == nil)
        #expect(ByteRange.parse("bytes=3-2", size: 10) == nil)
    }
}
