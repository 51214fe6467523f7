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
import Logging
import NIOHTTP1
import Synchronization
import Testing

@Suite struct UploadEndpointTests {
    @Test func chunkedUploadInOrderWithStatusAndCompletion() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let bytes = Array(0..<3000).map { UInt8($0 % 251) }
            let started = try await registry.send(.POST, "/v2/team/app/blobs/uploads/")
            #expect(started.status == 202)
            let location = try #require(started.header("Location"))
            #expect(location.hasPrefix("/v2/team/app/blobs/uploads/"), "Location is relative")
            #expect(started.header("Docker-Upload-UUID") != nil)

            let first = try await registry.send(.PATCH, location, headers: [("Content-Range", "0-999"), ("Content-Type", "application/octet-stream")],
                                                body: Array(bytes[0..<1000]))
            #expect(first.status == 202)
            #expect(first.header("Range") == "0-999")
            let second = try await registry.send(.PATCH, location, headers: [("Content-Range", "1000-1999")], body: Array(bytes[1000..<2000]))
            #expect(second.header("Range") == "0-1999")

            let status = try await registry.send(.GET, location)
            #expect(status.status == 204)
            #expect(status.header("Range") == "0-1999")

            let digest = RegistryHarness.digest(bytes)
            let done = try await registry.send(.PUT, location + "?digest=\(digest)", headers: [("Content-Range", "2000-2999")],
                                               body: Array(bytes[2000...]))
            #expect(done.status == 201)
            #expect(done.header("Docker-Content-Digest") == digest.description)
            #expect(try await registry.send(.GET, "/v2/team/app/blobs/\(digest)").body == bytes)
            #expect(try await registry.send(.GET, location).status == 404, "a completed session is gone")
        }
    }

    @Test func abandonedSessionsExpireWithEveryFileTheyWrote() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let abandoned = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            #expect(try await registry.send(.PATCH, abandoned, headers: [("Content-Range", "0-99")], body: Array(repeating: 7, count: 100)).status == 202)
            let uploads = registry.dataDir + "/blobs/registries"
            /// Regular files in any registry's `uploads/` directory.
            func filesUnderUploads() -> [String] {
                (FileManager.default.enumerator(atPath: uploads)?.allObjects as? [String] ?? []).filter { path in
                    var isDirectory: ObjCBool = false
                    return path.contains("/uploads/") && FileManager.default.fileExists(atPath: uploads + "/" + path, isDirectory: &isDirectory)
                        && !isDirectory.boolValue
                }
            }
            #expect(!filesUnderUploads().isEmpty, "the acknowledged chunk is on disk")
            let job = UploadExpiryJob(uploads: registry.server.planes.uploads, expiry: .seconds(3600), logger: Logger(label: "test"))

            try await job.runOnce()
            #expect(try await registry.send(.GET, abandoned).status == 204, "a session younger than the expiry stays")
            let fresh = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))

            registry.clock.advance(by: .seconds(7200))
            try await job.runOnce()
            let gone = try await registry.send(.GET, abandoned)
            #expect(gone.status == 404 && gone.errorCode == "BLOB_UPLOAD_UNKNOWN")
            #expect(try await registry.send(.GET, fresh).status == 404)
            #expect(filesUnderUploads().isEmpty, "no part of an expired session is left")
        }
    }

    @Test func postThenPutWithTheWholeBody() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let bytes = Array("post then put".utf8)
            let location = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            let digest = RegistryHarness.digest(bytes)
            #expect(try await registry.send(.PUT, location + "?digest=\(digest)", body: bytes).status == 201)
            #expect(try await registry.send(.GET, "/v2/team/app/blobs/\(digest)").body == bytes)
        }
    }

    @Test func outOfOrderChunksAreRangeNotSatisfiable() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let location = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            _ = try await registry.send(.PATCH, location, headers: [("Content-Range", "0-9")], body: Array(repeating: 1, count: 10))
            let skipped = try await registry.send(.PATCH, location, headers: [("Content-Range", "20-29")], body: Array(repeating: 2, count: 10))
            #expect(skipped.status == 416)
            #expect(skipped.errorCode == "RANGE_INVALID")
            let repeated = try await registry.send(.PATCH, location, headers: [("Content-Range", "0-9")], body: Array(repeating: 3, count: 10))
            #expect(repeated.status == 416)
            let inconsistent = try await registry.send(.PATCH, location, headers: [("Content-Range", "10-19")], body: Array(repeating: 4, count: 5))
            #expect(inconsistent.status == 416)
            let malformed = try await registry.send(.PATCH, location, headers: [("Content-Range", "ten-twenty")], body: [1])
            #expect(malformed.status == 416)
            #expect(try await registry.send(.GET, location).header("Range") == "0-9", "nothing of the refused chunks was kept")
        }
    }

    @Test func racingChunksForTheSameOffsetLandOnceAndIntact() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let location = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            let contents: [[UInt8]] = (0..<6).map { index in Array(repeating: UInt8(index), count: 50_000) }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for content in contents {
                    group.addTask { try await registry.send(.PATCH, location, headers: [("Content-Range", "0-49999")], body: content).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 202 }.count == 1, "exactly one chunk lands: \(statuses)")
            #expect(statuses.filter { $0 == 416 }.count == contents.count - 1)
            // Whichever landed, completing with its digest yields exactly its bytes.
            var completed = false
            for content in contents where !completed {
                let reply = try await registry.send(.PUT, location + "?digest=\(RegistryHarness.digest(content))")
                if reply.status == 201 {
                    completed = true
                    #expect(try await registry.send(.GET, "/v2/team/app/blobs/\(RegistryHarness.digest(content))").body == content)
                } else {
                    #expect(reply.errorCode == "DIGEST_INVALID")
                }
            }
            #expect(completed)
        }
    }

    @Test func aWrongDigestOnCompletionIsDigestInvalidAndTheSessionStays() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let location = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            _ = try await registry.send(.PATCH, location, body: Array(repeating: 1, count: 10))
            let wrong = RegistryHarness.digest([0])
            let reply = try await registry.send(.PUT, location + "?digest=\(wrong)")
            #expect(reply.status == 400)
            #expect(reply.errorCode == "DIGEST_INVALID")
            #expect(try await registry.send(.HEAD, "/v2/team/app/blobs/\(wrong)").status == 404)
            let missingDigest = try await registry.send(.PUT, location)
            #expect(missingDigest.errorCode == "DIGEST_INVALID")
            #expect(try await registry.send(.GET, location).status == 204)
        }
    }

    @Test func unknownAndCancelledSessionsAreBlobUploadUnknown() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            for id in ["8c0f7d37-0000-4000-8000-000000000000", "not-a-uuid"] {
                let reply = try await registry.send(.GET, "/v2/team/app/blobs/uploads/\(id)")
                #expect(reply.status == 404)
                #expect(reply.errorCode == "BLOB_UPLOAD_UNKNOWN")
            }
            let location = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            _ = try await registry.send(.PATCH, location, body: [1, 2, 3])
            #expect(try await registry.send(.DELETE, location).status == 204)
            #expect(try await registry.send(.PATCH, location, body: [4]).errorCode == "BLOB_UPLOAD_UNKNOWN")
            let elsewhere = location.replacingOccurrences(of: "team/app", with: "team/other")
            let location2 = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            #expect(try await registry.send(.GET, location2.replacingOccurrences(of: "team/app", with: "team/other")).status == 404,
                    "a session belongs to its repository (\(elsewhere))")
        }
    }

    @Test func crossRepositoryMountLinksOrFallsBackToAnUpload() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let digest = try await registry.pushBlob([1, 2, 3, 4], to: "team/source")
            let mounted = try await registry.send(.POST, "/v2/team/target/blobs/uploads/?mount=\(digest)&from=team/source")
            #expect(mounted.status == 201)
            #expect(mounted.header("Location") == "/v2/team/target/blobs/\(digest)")
            #expect(try await registry.send(.GET, "/v2/team/target/blobs/\(digest)").body == [1, 2, 3, 4])

            let unknown = RegistryHarness.digest([9])
            let fallback = try await registry.send(.POST, "/v2/team/target/blobs/uploads/?mount=\(unknown)&from=team/source")
            #expect(fallback.status == 202)
            #expect(fallback.header("Location")?.hasPrefix("/v2/team/target/blobs/uploads/") == true)
        }
    }

    @Test func aChunkedUploadResumesAfterARestart() async throws {
        let dataDir = NSTemporaryDirectory() + "kura-resume-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let bytes = Array(0..<5000).map { UInt8($0 % 199) }
        let location = LockedString()
        try await RegistryHarness.run(dataDir: dataDir) { (registry: RegistryHarness) async throws in
            let started = try #require(try await registry.send(.POST, "/v2/team/app/blobs/uploads/").header("Location"))
            _ = try await registry.send(.PATCH, started, headers: [("Content-Range", "0-2499")], body: Array(bytes[0..<2500]))
            location.set(started)
        }
        try await RegistryHarness.run(dataDir: dataDir) { (registry: RegistryHarness) async throws in
            let resumed = location.get()
            #expect(try await registry.send(.GET, resumed).header("Range") == "0-2499")
            _ = try await registry.send(.PATCH, resumed, headers: [("Content-Range", "2500-4999")], body: Array(bytes[2500...]))
            let digest = RegistryHarness.digest(bytes)
            #expect(try await registry.send(.PUT, resumed + "?digest=\(digest)").status == 201)
            #expect(try await registry.send(.GET, "/v2/team/app/blobs/\(digest)").body == bytes)
        }
    }
}


final class LockedString: Sendable {
    private let value = Mutex("")
    func set(_ new: String) { value.withLock { $0 = new } }
    func get() -> String { value.withLock { $0 } }
}
