// kura — a self-hosted encrypted container registry.
// FileSystemBlobStore: the embedded BlobStore, files under one root directory.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KuraCore
public import KuraRegistry
public import NIOCore
import NIOPosix

/// Objects as files under `root`: `root/<path>`. Writes go to `root/_tmp/<random>`, are fsynced,
/// renamed into place and the directory is fsynced, so a crash leaves either the old state or the
/// whole new object; stale temp files are removed when the store opens.
///
/// Every file is created 0600 and every directory 0700.
public struct FileSystemBlobStore: BlobStore {
    public let root: String
    /// Bytes per read call when streaming an object.
    static let readChunkSize = 1 << 20
    private var temporaryDirectory: String { root + "/_tmp" }

    /// Opens (creating if needed) a store at `root` and removes half-written temp files left by a crash.
    public static func open(root: String) async throws -> FileSystemBlobStore {
        let store = FileSystemBlobStore(root: root)
        try await blocking {
            try makeDirectories(root)
            try makeDirectories(store.temporaryDirectory)
            let stale = (try? FileManager.default.contentsOfDirectory(atPath: store.temporaryDirectory)) ?? []
            for name in stale { unlink(store.temporaryDirectory + "/" + name) }
        }
        return store
    }

    private init(root: String) { self.root = root }

    private func file(_ path: BlobPath) -> String { root + "/" + path.rawValue }

    public func put<Body: AsyncSequence>(_ path: BlobPath, body: Body) async throws -> Int64 where Body.Element == ByteBuffer {
        let temporary = temporaryDirectory + "/" + UUID().uuidString
        let destination = file(path)
        let descriptor = OwnedFileDescriptor(try await Self.blocking {
            try Self.check(Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600), "create \(temporary)")
        })
        do {
            var total: Int64 = 0
            for try await chunk in body {
                try Task.checkCancellation()
                try await Self.blocking { try Self.writeAll(descriptor.raw, chunk) }
                total += Int64(chunk.readableBytes)
            }
            try await Self.blocking {
                try Self.check(fsync(descriptor.raw), "fsync \(temporary)")
                try Self.check(descriptor.close(), "close \(temporary)")
                let directory = (destination as NSString).deletingLastPathComponent
                try Self.makeDirectories(directory)
                try Self.check(rename(temporary, destination), "rename into \(destination)")
                try Self.syncDirectory(directory)
            }
            return total
        } catch {
            descriptor.close()
            unlink(temporary)
            throw error
        }
    }

    public func read(_ path: BlobPath, range: Range<Int64>?) async throws -> ByteStream {
        let name = file(path)
        let (descriptor, size) = try await Self.blocking {
            let raw = Glibc.open(name, O_RDONLY | O_CLOEXEC)
            if raw < 0 && errno == ENOENT { throw BlobStoreError(.notFound, "no object at \(path)") }
            let descriptor = OwnedFileDescriptor(try Self.check(raw, "open \(name)"))
            var info = stat()
            guard fstat(descriptor.raw, &info) == 0 else {
                throw BlobStoreError(.io, "stat \(name): \(String(cString: strerror(errno)))")
            }
            return (descriptor, Int64(info.st_size))
        }
        let wanted = range ?? 0..<size
        guard wanted.lowerBound >= 0, wanted.upperBound <= size else {
            throw BlobStoreError(.invalidRange, "range \(wanted) is outside \(path) (\(size) bytes)")
        }
        let cursor = FileReadCursor(descriptor: descriptor, range: wanted)
        return ByteStream { { try await cursor.next() } }
    }

    public func size(of path: BlobPath) async throws -> Int64 {
        let name = file(path)
        return try await Self.blocking {
            var info = stat()
            guard stat(name, &info) == 0 else {
                if errno == ENOENT { throw BlobStoreError(.notFound, "no object at \(path)") }
                throw BlobStoreError(.io, "stat \(name): \(String(cString: strerror(errno)))")
            }
            return Int64(info.st_size)
        }
    }

    public func move(_ source: BlobPath, to destination: BlobPath) async throws {
        let from = file(source)
        let to = file(destination)
        try await Self.blocking {
            let directory = (to as NSString).deletingLastPathComponent
            try Self.makeDirectories(directory)
            if rename(from, to) != 0 {
                if errno == ENOENT { throw BlobStoreError(.notFound, "no object at \(source)") }
                try Self.check(-1, "rename \(from)")
            }
            try Self.syncDirectory(directory)
            try Self.syncDirectory((from as NSString).deletingLastPathComponent)
        }
    }

    public func delete(_ path: BlobPath) async throws {
        let name = file(path)
        try await Self.blocking {
            if unlink(name) != 0 && errno != ENOENT { try Self.check(-1, "unlink \(name)") }
            try? Self.syncDirectory((name as NSString).deletingLastPathComponent)
        }
    }

    public func list(prefix: BlobPath) async throws -> [BlobPath] {
        let base = file(prefix)
        let rootLength = root.count + 1
        return try await Self.blocking {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory) else { return [] }
            guard isDirectory.boolValue else { return [prefix] }
            var found: [BlobPath] = []
            let enumerator = FileManager.default.enumerator(atPath: base)
            while let relative = enumerator?.nextObject() as? String {
                let full = base + "/" + relative
                var info = stat()
                guard stat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                      let path = BlobPath(String(full.dropFirst(rootLength)))
                else { continue }
                found.append(path)
            }
            return found.sorted()
        }
    }

    // MARK: - Blocking helpers (run on NIO's thread pool, never on an event loop)

    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    @discardableResult
    static func check(_ result: Int32, _ what: String) throws -> Int32 {
        guard result >= 0 else {
            let code = errno
            throw BlobStoreError(.io, "\(what): \(String(cString: strerror(code)))")
        }
        return result
    }

    static func writeAll(_ descriptor: Int32, _ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    try check(-1, "write")
                }
                offset += written
            }
        }
    }

    static func makeDirectories(_ path: String) throws {
        do { try DurableFile.makeDirectories(path) } catch let error as DurableFileError {
            throw BlobStoreError(.io, error.description)
        }
    }

    static func syncDirectory(_ path: String) throws {
        do { try DurableFile.syncDirectory(path) } catch let error as DurableFileError {
            throw BlobStoreError(.io, error.description)
        }
    }
}

/// The read position of one streamed object; its file is closed when done or dropped.
///
/// `@unchecked Sendable`: the position is guarded by `lock`; the descriptor closes itself once.
final class FileReadCursor: @unchecked Sendable {
    private let descriptor: OwnedFileDescriptor
    private let end: Int64
    private var offset: Int64
    private var closed = false
    private let lock = NSLock()

    init(descriptor: OwnedFileDescriptor, range: Range<Int64>) {
        self.descriptor = descriptor
        self.offset = range.lowerBound
        self.end = range.upperBound
    }

    func next() async throws -> ByteBuffer? {
        let (start, length): (Int64, Int) = lock.withLock {
            (offset, closed ? 0 : Int(min(Int64(FileSystemBlobStore.readChunkSize), end - offset)))
        }
        guard length > 0 else {
            finish()
            return nil
        }
        let descriptor = self.descriptor
        let chunk = try await FileSystemBlobStore.blocking {
            var buffer = ByteBufferAllocator().buffer(capacity: length)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { bytes in
                var done = 0
                while done < length {
                    let read = pread(descriptor.raw, bytes.baseAddress! + done, length - done, off_t(start) + off_t(done))
                    if read < 0 && errno == EINTR { continue }
                    try FileSystemBlobStore.check(Int32(truncatingIfNeeded: read < 0 ? -1 : 0), "read")
                    if read == 0 { break }
                    done += read
                }
                return done
            }
            guard count == length else { throw BlobStoreError(.io, "object shrank while it was read") }
            return buffer
        }
        lock.withLock { offset += Int64(length) }
        return chunk
    }

    private func finish() {
        lock.withLock { closed = true }
        descriptor.close()
    }
}
