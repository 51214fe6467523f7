import KuraCore
import Foundation
import KuraRegistry
import KuraStorage
import NIOCore
import Testing

@Suite struct FileSystemBlobStoreTests {
    @Test func putReadMoveDeleteList() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await FileSystemBlobStore.open(root: directory.path)
        let data = patternBytes(3 << 20)
        let path = BlobPath("registries", "r1", "blobs", "x")
        #expect(try await store.put(path, body: stream(data, chunkSize: 100_000)) == Int64(data.count))
        #expect(try await store.size(of: path) == Int64(data.count))
        #expect(try await store.read(path, range: nil).bytes() == data)
        #expect(try await store.read(path, range: 1_000_000..<2_500_001).bytes() == Array(data[1_000_000..<2_500_001]))

        let moved = BlobPath("registries", "r1", "blobs", "y")
        try await store.move(path, to: moved)
        #expect(try await store.list(prefix: BlobPath("registries", "r1")) == [moved])
        try await store.delete(moved)
        try await store.delete(moved)  // deleting again is fine
        #expect(try await store.list(prefix: BlobPath("registries")) == [])
    }

    @Test func missingObjectsAndBadRangesAreTypedErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await FileSystemBlobStore.open(root: directory.path)
        let path = BlobPath("a", "b")
        await #expect(throws: BlobStoreError(.notFound, "no object at a/b")) { _ = try await store.size(of: path) }
        await #expect(throws: BlobStoreError.self) { _ = try await store.read(path, range: nil) }
        _ = try await store.put(path, body: stream([1, 2, 3]))
        let error = await #expect(throws: BlobStoreError.self) { _ = try await store.read(path, range: 2..<5) }
        #expect(error?.code == .invalidRange)
    }

    @Test func aFailedPutLeavesNothingBehind() async throws {
        struct Interrupted: Error {}
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await FileSystemBlobStore.open(root: directory.path)
        let path = BlobPath("objects", "partial")
        let failing = ByteStream {
            let count = LockedCounter()
            return {
                if count.increment() > 3 { throw Interrupted() }
                return ByteBuffer(bytes: [UInt8](repeating: 7, count: 1000))
            }
        }
        await #expect(throws: Interrupted.self) { _ = try await store.put(path, body: failing) }
        await #expect(throws: BlobStoreError.self) { _ = try await store.size(of: path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/_tmp").isEmpty)
    }

    @Test func staleTemporaryFilesAreRemovedOnOpen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try await FileSystemBlobStore.open(root: directory.path)
        _ = FileManager.default.createFile(atPath: directory.path + "/_tmp/left-by-a-crash", contents: Data([1, 2, 3]))
        _ = try await FileSystemBlobStore.open(root: directory.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/_tmp").isEmpty)
    }

    @Test func pathsCannotEscapeTheRoot() {
        #expect(BlobPath("../etc/passwd") == nil)
        #expect(BlobPath("a/../../b") == nil)
        #expect(BlobPath("/abs") == nil)
        #expect(BlobPath("a//b") == nil)
        #expect(BlobPath("_tmp/x") == nil)
        #expect(BlobPath("a/b c") == nil)
        #expect(BlobPath("registries/r/blobs/sha256/ab/abcdef") != nil)
    }
}

import Synchronization

final class LockedCounter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
