// kura — a self-hosted encrypted container registry.
// DurableFile: write-to-temp, fsync, rename, fsync-directory for small files.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Crash-safe writes of small files (keys, ids, credentials): after `write` returns the file is
/// durable, and at no point does a reader see a partial file. Files are 0600, directories 0700.
public enum DurableFile {
    /// Replaces `path` with `bytes` atomically and durably.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectories(directory.isEmpty ? "." : directory)
        let temporary = "\(path).tmp-\(UUID().uuidString)"
        let raw = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard raw >= 0 else { throw DurableFileError(operation: "create", path: temporary) }
        let descriptor = OwnedFileDescriptor(raw)
        do {
            let data = Array(bytes)
            var offset = 0
            while offset < data.count {
                let written = data.withUnsafeBytes { Glibc.write(descriptor.raw, $0.baseAddress! + offset, data.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw DurableFileError(operation: "write", path: temporary)
                }
                offset += written
            }
            guard fsync(descriptor.raw) == 0 else { throw DurableFileError(operation: "fsync", path: temporary) }
            guard descriptor.close() == 0 else { throw DurableFileError(operation: "close", path: temporary) }
            guard rename(temporary, path) == 0 else { throw DurableFileError(operation: "rename", path: path) }
            try syncDirectory(directory.isEmpty ? "." : directory)
        } catch {
            descriptor.close()
            unlink(temporary)
            throw error
        }
    }

    /// The file's bytes, or nil when it does not exist.
    public static func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw DurableFileError(operation: "read", path: path) }
        return Array(data)
    }

    /// Creates `path` and its missing parents with mode 0700, fsyncing each parent that gained an entry.
    public static func makeDirectories(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw DurableFileError(operation: "mkdir", path: path) }
        if !parent.isEmpty { try syncDirectory(parent) }
    }

    /// Makes the directory's entries (creations, renames, deletions) durable.
    public static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DurableFileError(operation: "open directory", path: path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw DurableFileError(operation: "fsync directory", path: path) }
    }

    /// Removes temp files a crash left next to durable files in `directory`.
    public static func removeStaleTemporaryFiles(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.contains(".tmp-") { unlink(directory + "/" + name) }
    }
}

/// A failed system call of ``DurableFile``, with errno's text.
public struct DurableFileError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let path: String
    public let reason: String

    init(operation: String, path: String) {
        self.operation = operation
        self.path = path
        self.reason = String(cString: strerror(errno))
    }

    public var description: String { "\(operation) \(path): \(reason)" }
}
