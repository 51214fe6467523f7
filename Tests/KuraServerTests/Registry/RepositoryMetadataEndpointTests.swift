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
import NIOHTTP1
import Testing

/// ACR's `/acr/v1` metadata API over HTTP: what az and the Azure SDK read.
@Suite struct RepositoryMetadataEndpointTests {
    @Test func manifestsCarryPlatformTagsAndSizesAndPageInTimeOrder() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (older, olderBytes) = try await registry.pushImage([Array(repeating: 1, count: 1000)], tag: "v1")
            registry.clock.advance(by: .seconds(1))
            let (newer, _) = try await registry.pushImage([Array(repeating: 2, count: 10)], tag: "v2")
            registry.clock.advance(by: .seconds(1))
            let artifact = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/x-sbom","#
                .utf8) + Array(#""config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(try await registry.pushBlob(Array("{}".utf8)))","size":2},"layers":[]}"#.utf8)
            #expect(try await registry.send(.PUT, "/v2/team/app/manifests/sbom", headers: [("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
                                            body: artifact).status == 201)

            let listed = try await registry.send(.GET, "/acr/v1/team/app/_manifests?orderby=timedesc&n=2")
            #expect(listed.status == 200)
            let manifests = try #require(listed.json["manifests"] as? [[String: Any]])
            #expect(manifests.count == 2 && manifests[1]["digest"] as? String == newer.description)
            #expect(listed.header("Link")?.contains("orderby=timedesc") == true, "the next page keeps the order")
            let all = try #require(try await registry.send(.GET, "/acr/v1/team/app/_manifests").json["manifests"] as? [[String: Any]])
            let first = try #require(all.first { $0["digest"] as? String == older.description })
            #expect(first["os"] as? String == "linux" && first["architecture"] as? String == "amd64", "the platform comes from the config")
            #expect(first["tags"] as? [String] == ["v1"])
            let configSize = #"{"architecture":"amd64","os":"linux"}"#.utf8.count
            #expect(first["imageSize"] as? Int == olderBytes.count + configSize + 1000)
            let sbom = try #require(all.first { ($0["tags"] as? [String]) == ["sbom"] })
            #expect(sbom["os"] == nil && sbom["configMediaType"] as? String == "application/x-sbom", "an artifact has no platform")

            #expect(try await registry.send(.GET, "/acr/v1/team/app/_manifests?orderby=newest").errorCode == "PAGINATION_NUMBER_INVALID")
            #expect(try await registry.send(.GET, "/acr/v1/team/none/_manifests").status == 404)
        }
    }

    @Test func tagsListReadUntagAndTheScopesTheyNeed() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (digest, _) = try await registry.pushImage([Array(repeating: 3, count: 100)], tag: "v1")
            _ = try await registry.pushImage([Array(repeating: 3, count: 100)], tag: "stable")
            let tags = try #require(try await registry.send(.GET, "/acr/v1/team/app/_tags").json["tags"] as? [[String: Any]])
            #expect(tags.map { $0["name"] as? String } == ["stable", "v1"] && tags.allSatisfy { $0["digest"] as? String == digest.description })
            let one = try await registry.send(.GET, "/acr/v1/team/app/_tags/v1")
            #expect((one.json["tag"] as? [String: Any])?["digest"] as? String == digest.description)
            #expect(try await registry.send(.DELETE, "/acr/v1/team/app/_tags/stable").status == 202)
            #expect(try await registry.send(.GET, "/acr/v1/team/app/_tags/stable").errorCode == "MANIFEST_UNKNOWN")
            #expect(try await registry.send(.GET, "/v2/team/app/manifests/\(digest)").status == 200, "untagging keeps the manifest")
            let anonymous = try await registry.send(.DELETE, "/acr/v1/team/app", auth: .none)
            #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate")?.contains("repository:team/app:delete") == true)
            let shown = try await registry.send(.GET, "/acr/v1/team/app")
            #expect(shown.json["manifestCount"] as? Int == 1 && shown.json["tagCount"] as? Int == 1)
            let deleted = try await registry.send(.DELETE, "/acr/v1/team/app")
            #expect(deleted.status == 202 && deleted.json["tagsDeleted"] as? [String] == ["v1"])
            #expect(try await registry.send(.GET, "/acr/v1/team/app").errorCode == "NAME_UNKNOWN")
        }
    }
}
