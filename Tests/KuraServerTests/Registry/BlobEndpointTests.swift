import Crypto
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

@Suite struct BlobEndpointTests {
    @Test func monolithicPushThenHeadGetAndDelete() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let bytes = Array("hello, encrypted world".utf8)
            let digest = RegistryHarness.digest(bytes)
            let pushed = try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(digest)", body: bytes)
            #expect(pushed.status == 201)
            #expect(pushed.header("Location") == "/v2/team/app/blobs/\(digest)")
            #expect(pushed.header("Docker-Content-Digest") == digest.description)

            let head = try await registry.send(.HEAD, "/v2/team/app/blobs/\(digest)")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == String(bytes.count))
            #expect(head.body.isEmpty)

            let get = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)")
            #expect(get.status == 200)
            #expect(get.body == bytes)
            #expect(get.header("Docker-Content-Digest") == digest.description)

            let deleted = try await registry.send(.DELETE, "/v2/team/app/blobs/\(digest)")
            #expect(deleted.status == 202)
            let gone = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)")
            #expect(gone.status == 404)
            #expect(gone.errorCode == "BLOB_UNKNOWN")
        }
    }

    /// Bytes changed on disk are refused whole; the 500 names the request id its log line carries.
    @Test func aTamperedBlobIsA500ThatNamesItsRequestID() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let bytes = [UInt8](repeating: 7, count: 4096)
            let digest = RegistryHarness.digest(bytes)
            #expect(try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(digest)", body: bytes).status == 201)
            let record = try #require(try await registry.server.metadata.registry(named: "default"))
            let file = registry.dataDir + "/blobs/" + EncryptedBlobStore.path(registryID: record.id, digest: digest).rawValue
            var stored = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            stored[stored.count - 1] ^= 1
            try Data(stored).write(to: URL(fileURLWithPath: file))
            let get = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)")
            #expect(get.status == 500)
            #expect(get.text.contains("integrity") && get.text.contains("request id"), "\(get.text)")
        }
    }

    @Test func rangesAnswer206OrRangeNotSatisfiable() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let bytes = Array(0..<100).map { UInt8($0) }
            let digest = try await registry.pushBlob(bytes)
            let middle = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)", headers: [("Range", "bytes=10-19")])
            #expect(middle.status == 206)
            #expect(middle.body == Array(bytes[10...19]))
            #expect(middle.header("Content-Range") == "bytes 10-19/100")
            let open = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)", headers: [("Range", "bytes=95-")])
            #expect(open.body == Array(bytes[95...]))
            let suffix = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)", headers: [("Range", "bytes=-3")])
            #expect(suffix.body == [97, 98, 99])
            for bad in ["bytes=100-120", "bytes=20-10", "items=0-1", "bytes=0-1,5-6", "bytes=x-y"] {
                let reply = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)", headers: [("Range", bad)])
                #expect(reply.status == 416, "\(bad)")
                #expect(reply.errorCode == "RANGE_INVALID")
                #expect(reply.header("Content-Range") == "bytes */100")
            }
        }
    }

    @Test func unknownMalformedAndMismatchedBlobsAre4xxWithTheirCodes() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let unknown = RegistryHarness.digest([1, 2, 3])
            let missing = try await registry.send(.HEAD, "/v2/team/app/blobs/\(unknown)")
            #expect(missing.status == 404)
            let missingGet = try await registry.send(.GET, "/v2/team/app/blobs/\(unknown)")
            #expect(missingGet.errorCode == "BLOB_UNKNOWN")

            let malformed = try await registry.send(.GET, "/v2/team/app/blobs/sha256:nothex")
            #expect(malformed.status == 400)
            #expect(malformed.errorCode == "DIGEST_INVALID")

            let mismatch = try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(unknown)", body: [9, 9, 9])
            #expect(mismatch.status == 400)
            #expect(mismatch.errorCode == "DIGEST_INVALID")
            #expect(try await registry.send(.HEAD, "/v2/team/app/blobs/\(unknown)").status == 404)

            let badName = try await registry.send(.GET, "/v2/Team/App/blobs/\(unknown)")
            #expect(badName.status == 400)
            #expect(badName.errorCode == "NAME_INVALID")

            let otherRepository = try await registry.pushBlob([7, 7, 7], to: "team/one")
            let isolated = try await registry.send(.GET, "/v2/team/two/blobs/\(otherRepository)")
            #expect(isolated.status == 404, "a blob is only in the repositories it was pushed or mounted into")
        }
    }

    @Test func sha512DigestsWork() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let bytes = Array("sha512 content".utf8)
            let digest = ContentDigest(algorithm: .sha512, bytes: SHA512.hash(data: bytes))
            let pushed = try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(digest)", body: bytes)
            #expect(pushed.status == 201)
            #expect(try await registry.send(.GET, "/v2/team/app/blobs/\(digest)").body == bytes)
        }
    }

    @Test func percentEncodedNamesAndDigestsRouteAsDecoded() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let digest = try await registry.pushBlob([5, 5, 5])
            let encoded = "/v2/team%2Fapp/blobs/\(digest.description.replacingOccurrences(of: ":", with: "%3A"))"
            #expect(try await registry.send(.GET, encoded).body == [5, 5, 5])
        }
    }
}
