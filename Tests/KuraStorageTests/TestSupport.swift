import Foundation
import KuraCore
import KuraRegistry
import KuraStorage
import NIOCore

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kura-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Deterministic pseudo-random bytes.
func patternBytes(_ count: Int, seed: UInt64 = 0x243f6a8885a308d3) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// `bytes` as a stream of `chunkSize` buffers.
func stream(_ bytes: [UInt8], chunkSize: Int = 4096) -> ByteStream {
    ByteStream(buffers: stride(from: 0, to: bytes.count, by: chunkSize).map {
        ByteBuffer(bytes: bytes[$0..<min($0 + chunkSize, bytes.count)])
    })
}

extension ByteStream {
    func bytes() async throws -> [UInt8] {
        var all: [UInt8] = []
        for try await buffer in self { all += buffer.readableBytesView }
        return all
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first && self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
