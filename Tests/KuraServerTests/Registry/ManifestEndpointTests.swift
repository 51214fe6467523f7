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

@Suite struct ManifestEndpointTests {
    @Test func pushByTagThenGetByTagAndDigestAndHead() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (digest, bytes) = try await registry.pushImage([[1, 2, 3], [4, 5]], tag: "v1")
            for reference in ["v1", digest.description] {
                let reply = try await registry.send(.GET, "/v2/team/app/manifests/\(reference)")
                #expect(reply.status == 200)
                #expect(reply.body == bytes, "manifests come back byte for byte")
                #expect(reply.header("Content-Type") == "application/vnd.oci.image.manifest.v1+json")
                #expect(reply.header("Docker-Content-Digest") == digest.description)
            }
            let head = try await registry.send(.HEAD, "/v2/team/app/manifests/v1")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == String(bytes.count))
            #expect(head.body.isEmpty)
        }
    }

    @Test func putByDigestMustMatchTheBody() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (_, bytes) = try await registry.pushImage([[1]], tag: "v1")
            let wrong = RegistryHarness.digest([0])
            let reply = try await registry.send(.PUT, "/v2/team/app/manifests/\(wrong)",
                                                headers: [("Content-Type", "application/vnd.oci.image.manifest.v1+json")], body: bytes)
            #expect(reply.status == 400)
            #expect(reply.errorCode == "DIGEST_INVALID")
            let right = RegistryHarness.digest(bytes)
            let ok = try await registry.send(.PUT, "/v2/team/app/manifests/\(right)",
                                             headers: [("Content-Type", "application/vnd.oci.image.manifest.v1+json")], body: bytes)
            #expect(ok.status == 201)
            #expect(ok.header("Location") == "/v2/team/app/manifests/\(right)")
        }
    }

    @Test func invalidManifestsAreRefusedWithTheirCodes() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let oci = [("Content-Type", "application/vnd.oci.image.manifest.v1+json")]
            let notJSON = try await registry.send(.PUT, "/v2/team/app/manifests/x", headers: oci, body: Array("{not json".utf8))
            #expect(notJSON.status == 400)
            #expect(notJSON.errorCode == "MANIFEST_INVALID")

            let noLayers = try await registry.send(.PUT, "/v2/team/app/manifests/x", headers: oci,
                                                   body: Array(#"{"schemaVersion":2,"config":{"digest":"sha256:\#(String(repeating: "a", count: 64))","size":1}}"#.utf8))
            #expect(noLayers.errorCode == "MANIFEST_INVALID")

            let missingBlob = RegistryHarness.digest([42])
            let dangling = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(missingBlob)","size":1},"layers":[]}"#
            let unknownBlob = try await registry.send(.PUT, "/v2/team/app/manifests/x", headers: oci, body: Array(dangling.utf8))
            #expect(unknownBlob.status == 400)
            #expect(unknownBlob.errorCode == "MANIFEST_BLOB_UNKNOWN")

            let unsupported = try await registry.send(.PUT, "/v2/team/app/manifests/x",
                                                      headers: [("Content-Type", "application/vnd.example.unknown+json")],
                                                      body: Array(#"{"schemaVersion":2}"#.utf8))
            #expect(unsupported.status == 415)
            #expect(unsupported.errorCode == "UNSUPPORTED")

            let mismatchedType = try await registry.send(.PUT, "/v2/team/app/manifests/x",
                                                         headers: [("Content-Type", "application/vnd.oci.image.index.v1+json")],
                                                         body: Array(dangling.utf8))
            #expect(mismatchedType.errorCode == "MANIFEST_INVALID")

            let badTag = try await registry.send(.PUT, "/v2/team/app/manifests/-bad", headers: oci, body: Array(dangling.utf8))
            #expect(badTag.status == 400)
            #expect(try await registry.send(.GET, "/v2/team/app/manifests/x").errorCode == "MANIFEST_UNKNOWN")
        }
    }

    @Test func indexesNeedTheirChildManifests() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (child, childBytes) = try await registry.pushImage([[1]], tag: "child")
            func index(_ digest: ContentDigest, _ size: Int) -> [UInt8] {
                Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(digest)","size":\#(size),"platform":{"os":"linux","architecture":"amd64"}}]}"#.utf8)
            }
            let type = [("Content-Type", "application/vnd.oci.image.index.v1+json")]
            let ok = try await registry.send(.PUT, "/v2/team/app/manifests/multi", headers: type, body: index(child, childBytes.count))
            #expect(ok.status == 201)
            let missing = try await registry.send(.PUT, "/v2/team/app/manifests/broken", headers: type,
                                                  body: index(RegistryHarness.digest([3]), 10))
            #expect(missing.status == 400)
            #expect(missing.errorCode == "MANIFEST_BLOB_UNKNOWN")
        }
    }

    @Test func dockerSchema2ManifestAndListAreAccepted() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let config = try await registry.pushBlob(Array(#"{"os":"linux"}"#.utf8))
            let layer = try await registry.pushBlob([1, 2, 3])
            let manifest = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\#(config)","size":14},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"\#(layer)","size":3}]}"#.utf8)
            let put = try await registry.send(.PUT, "/v2/team/app/manifests/docker",
                                              headers: [("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")], body: manifest)
            #expect(put.status == 201)
            let list = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"\#(RegistryHarness.digest(manifest))","size":\#(manifest.count),"platform":{"architecture":"amd64","os":"linux"}}]}"#.utf8)
            let putList = try await registry.send(.PUT, "/v2/team/app/manifests/list",
                                                  headers: [("Content-Type", "application/vnd.docker.distribution.manifest.list.v2+json")], body: list)
            #expect(putList.status == 201)
            #expect(try await registry.send(.GET, "/v2/team/app/manifests/list").header("Content-Type")
                    == "application/vnd.docker.distribution.manifest.list.v2+json")
        }
    }

    @Test func deletingAManifestKeepsBlobsOthersNeedAndDeletingATagKeepsTheManifest() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let shared: [UInt8] = [7, 7, 7]
            let (first, _) = try await registry.pushImage([shared, [1]], tag: "one")
            let (second, _) = try await registry.pushImage([shared, [2]], tag: "two")
            #expect(try await registry.send(.DELETE, "/v2/team/app/manifests/\(first)").status == 202)
            #expect(try await registry.send(.GET, "/v2/team/app/manifests/one").errorCode == "MANIFEST_UNKNOWN", "its tags went with it")
            let sharedDigest = RegistryHarness.digest(shared)
            #expect(try await registry.send(.GET, "/v2/team/app/blobs/\(sharedDigest)").body == shared)
            #expect(try await registry.send(.GET, "/v2/team/app/manifests/\(second)").status == 200)

            #expect(try await registry.send(.DELETE, "/v2/team/app/manifests/two").status == 202)
            #expect(try await registry.send(.GET, "/v2/team/app/manifests/two").status == 404)
            #expect(try await registry.send(.GET, "/v2/team/app/manifests/\(second)").status == 200, "deleting a tag keeps the manifest")
            #expect(try await registry.send(.DELETE, "/v2/team/app/manifests/nosuchtag").errorCode == "MANIFEST_UNKNOWN")

            // A blob a manifest references keeps its bytes even when unlinked from the repository.
            #expect(try await registry.send(.DELETE, "/v2/team/app/blobs/\(sharedDigest)").status == 202)
            #expect(try await registry.server.blobs.exists(sharedDigest, registryID: try await registry.server.metadata.registry(named: "default")!.id))
        }
    }

    @Test func aManifestWithSubjectAnswersOCISubject() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (subject, subjectBytes) = try await registry.pushImage([[1]], tag: "v1")
            let empty = try await registry.pushBlob(Array("{}".utf8))
            let payload = try await registry.pushBlob(Array("sbom".utf8))
            let artifact = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(empty)","size":2},"layers":[{"mediaType":"application/vnd.example.sbom.layer","digest":"\#(payload)","size":4}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject)","size":\#(subjectBytes.count)},"annotations":{"kind":"sbom"}}"#.utf8)
            let put = try await registry.send(.PUT, "/v2/team/app/manifests/\(RegistryHarness.digest(artifact))",
                                              headers: [("Content-Type", "application/vnd.oci.image.manifest.v1+json")], body: artifact)
            #expect(put.status == 201)
            #expect(put.header("OCI-Subject") == subject.description)
        }
    }
}
