import KuraCore
import KuraCrypto
import NIOCore

/// Plaintext split into buffers of a given size, as a client upload would arrive.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    let chunkSize: Int

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, chunkSize: chunkSize) }

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let chunkSize: Int
        var offset = 0
        mutating func next() async throws -> ByteBuffer? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(offset + chunkSize, bytes.count)
            defer { offset = end }
            return ByteBuffer(bytes: bytes[offset..<end])
        }
    }
}

/// Deterministic pseudo-random bytes.
func patternBytes(_ count: Int, seed: UInt64 = 0x9e3779b97f4a7c15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// Encrypts `plaintext` into one stored object.
func seal(_ plaintext: [UInt8], key: DataKey, segmentSize: Int, chunkSize: Int = 7,
          expected: ContentDigest? = nil) async throws -> (stored: [UInt8], result: KBF1WriteResult) {
    let result = KBF1WriteResult()
    var stored: [UInt8] = []
    for try await buffer in KBF1EncryptingSequence(Chunks(bytes: plaintext, chunkSize: chunkSize), dataKey: key,
                                                   expectedDigest: expected, result: result, segmentSize: segmentSize) {
        stored += buffer.readableBytesView
    }
    return (stored, result)
}

/// Opens `stored` and decrypts `range` (everything when nil).
func open(_ stored: [UInt8], key: DataKey, digest: ContentDigest, range: Range<Int64>? = nil,
          statistics: KBF1Statistics? = nil) async throws -> [UInt8] {
    let opener = try KBF1Opener(headerBytes: Array(stored.prefix(KBF1.headerSize)), trailerBytes: Array(stored.suffix(KBF1.trailerSize)),
                                storedSize: Int64(stored.count), dataKey: key, expectedDigest: digest, statistics: statistics)
    let wanted = range ?? 0..<opener.plaintextLength
    let segments = KBF1DecryptingSequence<Chunks>.segments(covering: wanted, in: opener)
    let storedRange = opener.storedRange(ofSegments: segments)
    let slice = Array(stored[Int(storedRange.lowerBound)..<Int(storedRange.upperBound)])
    var plaintext: [UInt8] = []
    for try await buffer in KBF1DecryptingSequence(Chunks(bytes: slice, chunkSize: 13), opener: opener, range: wanted) {
        plaintext += buffer.readableBytesView
    }
    return plaintext
}
