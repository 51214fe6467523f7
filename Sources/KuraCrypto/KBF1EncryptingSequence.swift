// kura — a self-hosted encrypted container registry.
// KBF1EncryptingSequence: plaintext stream in, KBF1 object out, digest computed on the way.

public import KuraCore
public import NIOCore
import Synchronization

/// What an encryption pass learned about the plaintext: its digest and length. Filled in when
/// the encrypting sequence has produced its trailer; nil before.
public final class KBF1WriteResult: Sendable {
    private let value = Mutex<(digest: ContentDigest, length: Int64)?>(nil)

    public init() {}

    public var digest: ContentDigest? { value.withLock { $0?.digest } }
    public var plaintextLength: Int64? { value.withLock { $0?.length } }

    func set(_ digest: ContentDigest, _ length: Int64) { value.withLock { $0 = (digest, length) } }
}

/// Why a write was refused before it committed.
public enum KBF1WriteError: Error, Equatable, Sendable {
    /// The plaintext hashed to `actual`, not the digest the client declared.
    case digestMismatch(expected: ContentDigest, actual: ContentDigest)
}

/// Encrypts a plaintext stream into a KBF1 object, pulling input only as output is consumed, so
/// memory stays at about two segments whatever the size.
///
/// Order of output: header, then one buffer per segment, then the trailer. If `expectedDigest`
/// is given and the plaintext does not match it, iteration throws ``KBF1WriteError/digestMismatch``
/// before the last segment and the trailer, so a consumer that commits only on completion never
/// commits a mismatched object.
public struct KBF1EncryptingSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    public typealias Element = ByteBuffer

    let base: Base
    let dataKey: DataKey
    let segmentSize: Int
    let algorithm: ContentDigest.Algorithm
    let expectedDigest: ContentDigest?
    let result: KBF1WriteResult
    let statistics: KBF1Statistics?

    /// - Parameters:
    ///   - base: the plaintext.
    ///   - dataKey: the registry data key.
    ///   - expectedDigest: the digest the client declared, if any; it also picks the algorithm.
    ///   - result: receives the digest and length once the trailer is produced.
    public init(_ base: Base, dataKey: DataKey, expectedDigest: ContentDigest?, result: KBF1WriteResult,
                segmentSize: Int = KBF1.defaultSegmentSize, statistics: KBF1Statistics? = nil) {
        self.base = base
        self.dataKey = dataKey
        self.segmentSize = segmentSize
        self.algorithm = expectedDigest?.algorithm ?? .sha256
        self.expectedDigest = expectedDigest
        self.result = result
        self.statistics = statistics
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private enum Phase { case header, body, trailer, finished }

        private var input: Base.AsyncIterator
        private var sealer: KBF1Sealer
        private var hasher: StreamingHasher
        private let sequence: KBF1EncryptingSequence
        /// Plaintext of the segment being filled (capacity = one segment, reused).
        private var pending: ByteBuffer
        /// Input not yet moved into `pending`.
        private var carry: ByteBuffer
        private var phase = Phase.header
        private var length: Int64 = 0

        init(sequence: KBF1EncryptingSequence) {
            self.sequence = sequence
            self.input = sequence.base.makeAsyncIterator()
            self.sealer = KBF1Sealer(dataKey: sequence.dataKey, segmentSize: sequence.segmentSize)
            self.hasher = StreamingHasher(sequence.algorithm)
            self.pending = ByteBufferAllocator().buffer(capacity: sequence.segmentSize)
            self.carry = ByteBuffer()
        }

        public mutating func next() async throws -> ByteBuffer? {
            switch phase {
            case .header:
                phase = .body
                return ByteBuffer(bytes: sealer.header.bytes)
            case .trailer:
                phase = .finished
                let digest = hasher.finalize()
                sequence.result.set(digest, length)
                return try sealer.sealTrailer(digest: digest, plaintextLength: length)
            case .finished:
                return nil
            case .body:
                return try await nextSegment()
            }
        }

        private mutating func nextSegment() async throws -> ByteBuffer {
            while true {
                if carry.readableBytes > 0 {
                    if pending.readableBytes == sequence.segmentSize {
                        // More plaintext follows, so the full segment is not the last one.
                        return try seal(isLast: false)
                    }
                    var slice = carry.readSlice(length: Swift.min(carry.readableBytes, sequence.segmentSize - pending.readableBytes))!
                    pending.writeBuffer(&slice)
                    continue
                }
                guard let chunk = try await input.next() else {
                    let digest = hasher.finalize()
                    if let expected = sequence.expectedDigest, expected != digest {
                        phase = .finished
                        throw KBF1WriteError.digestMismatch(expected: expected, actual: digest)
                    }
                    phase = .trailer
                    return try seal(isLast: true)
                }
                hasher.update(chunk)
                length += Int64(chunk.readableBytes)
                carry = chunk
            }
        }

        private mutating func seal(isLast: Bool) throws -> ByteBuffer {
            let sealed = try sealer.sealSegment(pending.readableBytesView, isLast: isLast)
            sequence.statistics?.recordSegmentSealed()
            pending.clear()
            return sealed
        }
    }
}
