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
import KuraStorage
import NIOHTTP1
import Testing

@Suite struct ListingEndpointTests {
    @Test func tagsAreListedInOrderWithPagination() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (digest, bytes) = try await registry.pushImage([[1]], tag: "c")
            for tag in ["a", "b", "d"] {
                _ = try await registry.send(.PUT, "/v2/team/app/manifests/\(tag)",
                                            headers: [("Content-Type", "application/vnd.oci.image.manifest.v1+json")], body: bytes)
            }
            let all = try await registry.send(.GET, "/v2/team/app/tags/list")
            #expect(all.json["name"] as? String == "team/app")
            #expect(all.json["tags"] as? [String] == ["a", "b", "c", "d"])
            let page = try await registry.send(.GET, "/v2/team/app/tags/list?n=2")
            #expect(page.json["tags"] as? [String] == ["a", "b"])
            #expect(page.header("Link") == #"</v2/team/app/tags/list?last=b&n=2>; rel="next""#)
            let next = try await registry.send(.GET, "/v2/team/app/tags/list?n=2&last=b")
            #expect(next.json["tags"] as? [String] == ["c", "d"])
            #expect(try await registry.send(.GET, "/v2/team/app/tags/list?n=2&last=d").json["tags"] as? [String] == [])
            #expect(try await registry.send(.GET, "/v2/team/app/tags/list?n=-1").status == 400)
            _ = digest
        }
    }

    @Test func methodsAnEndpointDoesNotOfferAre405() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let digest = try await registry.pushBlob([1])
            for (method, path) in [(HTTPMethod.POST, "/v2/_catalog"), (.PUT, "/v2/"), (.DELETE, "/v2/team/app/tags/list"),
                                   (.PATCH, "/v2/team/app/manifests/v1"), (.PUT, "/v2/team/app/blobs/\(digest)"),
                                   (.GET, "/v2/team/app/blobs/uploads/")] {
                let reply = try await registry.send(method, path)
                #expect(reply.status == 405, "\(method) \(path)")
                #expect(reply.errorCode == "UNSUPPORTED")
            }
        }
    }

    @Test func tagsOfAnUnknownRepositoryAreNameUnknown() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let reply = try await registry.send(.GET, "/v2/no/such/repo/tags/list")
            #expect(reply.status == 404)
            #expect(reply.errorCode == "NAME_UNKNOWN")
        }
    }

    @Test func catalogListsNestedRepositoriesWithPagination() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            for name in ["b/x", "a", "c/d/e"] { try await registry.pushBlob([1], to: name) }
            #expect(try await registry.send(.GET, "/v2/_catalog").json["repositories"] as? [String] == ["a", "b/x", "c/d/e"])
            let page = try await registry.send(.GET, "/v2/_catalog?n=1&last=a")
            #expect(page.json["repositories"] as? [String] == ["b/x"])
            #expect(page.header("Link") == #"</v2/_catalog?last=b%2Fx&n=1>; rel="next""#)
        }
    }

    @Test func referrersListArtifactsAndFilterByType() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (subject, subjectBytes) = try await registry.pushImage([[1]], tag: "v1")
            let subjectField: [String: Any] = ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject.description,
                                               "size": subjectBytes.count]
            let (sbom, _) = try await registry.pushImage([[2]], tag: "sbom",
                                                         extra: ["artifactType": "application/vnd.example.sbom", "subject": subjectField])
            let (signature, _) = try await registry.pushImage([[3]], tag: "sig",
                                                              extra: ["artifactType": "application/vnd.example.sig", "subject": subjectField])
            let all = try await registry.send(.GET, "/v2/team/app/referrers/\(subject)")
            #expect(all.status == 200)
            #expect(all.header("Content-Type") == "application/vnd.oci.image.index.v1+json")
            let digests = Set(((all.json["manifests"] as? [[String: Any]]) ?? []).compactMap { $0["digest"] as? String })
            #expect(digests == [sbom.description, signature.description])
            #expect(all.header("OCI-Filters-Applied") == nil)

            let filtered = try await registry.send(.GET, "/v2/team/app/referrers/\(subject)?artifactType=application/vnd.example.sig")
            let only = (filtered.json["manifests"] as? [[String: Any]]) ?? []
            #expect(only.count == 1)
            #expect(only.first?["artifactType"] as? String == "application/vnd.example.sig")
            #expect(filtered.header("OCI-Filters-Applied") == "artifactType")

            let none = try await registry.send(.GET, "/v2/team/app/referrers/\(RegistryHarness.digest([0]))")
            #expect(none.status == 200)
            #expect((none.json["manifests"] as? [Any])?.isEmpty == true)
            #expect(try await registry.send(.GET, "/v2/team/app/referrers/sha256:zz").errorCode == "DIGEST_INVALID")
        }
    }
}
