import AsyncHTTPClient
import Foundation
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
import NIOHTTP1
import Testing

/// Fuzz over HTTP (issue 13 §7, "0 unexpected 500s"): fuzzed `Range`, `Content-Range`,
/// `Authorization`, manifest references, manifest bodies and their Content-Type, and token
/// forms and queries (some over the 64 KiB form limit), sent to a live registry plane. Every
/// answer is below 500. Each case is a real request, so the default is 2,000 cases
/// (`KURA_FUZZ_WIRE_CASES`); the parsers themselves run 100,000 cases each in their own tests.
@Suite struct RegistryWireFuzzTests {
    struct Probe {
        var method: HTTPMethod
        var path: String
        var headers: [(String, String)] = []
        var body: [UInt8]? = nil
        var auth: RegistryHarness.Auth = .admin
        /// Whether it used the upload session (which a completed or refused session ends).
        var usesSession = false

        var description: String {
            "\(method.rawValue) \(FuzzRun.quoted(path)) \(headers.map { "\($0.0): \(FuzzRun.quoted($0.1))" }) body \(body?.count ?? 0) bytes"
        }
    }

    /// What the probes reuse: a pushed blob and image, an admin password and a token.
    struct Fixture {
        let blob: ContentDigest
        let manifestDigest: ContentDigest
        let manifest: [UInt8]
        let adminPassword: String
        let token: String
    }

    @Test func noFuzzedRequestAnswers500() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let blob = try await registry.pushBlob(Array(0..<1000).map { UInt8($0 % 251) })
            let (manifestDigest, manifest) = try await registry.pushImage([Array("layer".utf8)], tag: "v1")
            let issued = try await registry.send(.GET, "/oauth2/token?service=default.cr.localhost&scope=repository:team/app:pull,push")
            let fixture = Fixture(blob: blob, manifestDigest: manifestDigest, manifest: manifest, adminPassword: registry.adminPassword,
                                  token: try #require(issued.json["token"] as? String))
            var session = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            var fuzz = FuzzRun("registry over HTTP (Range, Content-Range, Authorization, references, manifests, token forms)",
                               seed: 0x57_4952_45, cases: FuzzRun.configuredCases("KURA_FUZZ_WIRE_CASES", default: 2_000))
            var statuses: [Int: Int] = [:]
            var unanswered = 0
            for _ in 0..<fuzz.cases {
                let probe = Self.probe(&fuzz, fixture, session: session)
                fuzz.trace(probe.description)
                let reply: RegistryHarness.Reply
                do {
                    reply = try await registry.send(probe.method, probe.path, headers: probe.headers, body: probe.body, auth: probe.auth)
                } catch {
                    // The client would not send it, or the connection closed without an answer.
                    unanswered += 1
                    fuzz.reject()
                    continue
                }
                fuzz.accept()
                statuses[reply.status, default: 0] += 1
                fuzz.check(reply.status < 500, "\(probe.description) answered \(reply.status): \(reply.text.prefix(300))")
                if probe.usesSession && (reply.status == 201 || reply.status == 404) {
                    session = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
                }
            }
            print(fuzz.summary + ", \(unanswered) unanswered, statuses \(statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })")
            #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
        }
    }

    static func probe(_ fuzz: inout FuzzRun, _ fixture: Fixture, session: String) -> Probe {
        let admin = "Basic " + Data("default:\(fixture.adminPassword)".utf8).base64EncodedString()
        let forms = ["grant_type=password&service=default.cr.localhost&scope=repository%3Ateam%2Fapp%3Apull&username=default&password="
                        + fixture.adminPassword,
                     "grant_type=refresh_token&refresh_token=\(fixture.token)&service=default.cr.localhost&scope=repository:team/app:pull",
                     "grant_type=access_token&access_token=\(fixture.token)&service=default.cr.localhost", "grant_type=x", ""]
        switch fuzz.below(9) {
        case 0:
            return Probe(method: .GET, path: "/v2/team/app/blobs/\(fixture.blob)", headers: [("Range", header(&fuzz, [
                "bytes=0-0", "bytes=-1", "bytes=10-", "bytes=0-9223372036854775807", "bytes=-9223372036854775807", "bytes=1-2,3-4",
            ]))])
        case 1:
            return Probe(method: .PATCH, path: session, headers: [("Content-Range", header(&fuzz, [
                "0-0", "0-9", "bytes 0-9/10", "0-9223372036854775807", "1-9223372036854775807", "1-0", "-1-1",
            ]))], body: fuzz.randomBytes(maxLength: 16), usesSession: true)
        case 2:
            let range: [(String, String)] = fuzz.below(2) == 0 ? [] : [("Content-Range", header(&fuzz, ["0-0", "0-9223372036854775807", "5-4"]))]
            return Probe(method: .PUT, path: session + "?digest=" + query(&fuzz, [fixture.blob.description, "sha256:", "sha512:00", "md5:00"]),
                         headers: range, body: fuzz.randomBytes(maxLength: 16), usesSession: true)
        case 3:
            return Probe(method: fuzz.below(2) == 0 ? .GET : .HEAD, path: "/v2/team/app/manifests/" + segment(&fuzz, [
                "v1", "latest", fixture.manifestDigest.description, "sha256:zz", "sha512:", String(repeating: "t", count: 129), ".x",
            ]))
        case 4:
            return Probe(method: .PUT, path: "/v2/team/app/manifests/fuzz", headers: [("Content-Type", header(&fuzz, [
                "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json", "application/octet-stream",
                "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8", "",
            ]))], body: fuzz.bytes(seeds: [fixture.manifest], maxLength: 4096))
        case 5:
            return Probe(method: .GET, path: "/v2/team/app/tags/list", headers: [("Authorization", header(&fuzz, [
                admin, "Bearer " + fixture.token, "Basic Og==", "Bearer ", "Basic", "bearer " + fixture.token, "Negotiate abc",
            ]))], auth: .none)
        case 6, 7:
            // Now and then a form over the 64 KiB the endpoints read.
            let body = fuzz.below(40) == 0 ? Array(repeating: UInt8(ascii: "a"), count: 70 << 10) : Array(fuzz.string(seeds: forms, maxLength: 2048).utf8)
            return Probe(method: .POST, path: fuzz.below(2) == 0 ? "/oauth2/token" : "/oauth2/exchange",
                         headers: [("Content-Type", "application/x-www-form-urlencoded")], body: body, auth: fuzz.below(2) == 0 ? .none : .admin)
        default:
            return Probe(method: .GET, path: "/oauth2/token?" + query(&fuzz, [
                "service=default.cr.localhost&scope=repository:team/app:pull", "scope=registry:catalog:*&scope=repository:a:push,delete",
                "scope=repository::pull", "service=&scope=",
            ]), auth: fuzz.below(2) == 0 ? .none : .admin)
        }
    }

    /// A header value an HTTP client sends: the fuzzed text cut to printable ASCII.
    static func header(_ fuzz: inout FuzzRun, _ seeds: [String]) -> String {
        String(String.UnicodeScalarView(fuzz.string(seeds: seeds, maxLength: 256).unicodeScalars.filter { (0x20..<0x7F).contains($0.value) }))
    }

    /// A query string: the fuzzed text with what a URL cannot hold percent-encoded.
    static func query(_ fuzz: inout FuzzRun, _ seeds: [String]) -> String {
        fuzz.string(seeds: seeds, maxLength: 256).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""
    }

    /// One path segment: the fuzzed text with everything but unreserved characters and `:` percent-encoded.
    static func segment(_ fuzz: inout FuzzRun, _ seeds: [String]) -> String {
        var allowed = CharacterSet()
        allowed.insert(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:")
        return fuzz.string(seeds: seeds, maxLength: 256).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
