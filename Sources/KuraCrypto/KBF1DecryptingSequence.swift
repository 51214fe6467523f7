// kura — a self-hosted encrypted container registry.
// KBF1DecryptingSequence: stored segment bytes in, authenticated plaintext of a range out.

public import NIOCore
import Foundation
import NIOFoundationCompat

/// Decrypts the stored bytes of a run of whole segments and yields the part of their plaintext
/// that falls in `range`. A segment is yielded only after its tag verified, so no byte of a
/// failed segment ever leaves; the failure is thrown as ``CryptoFailure/integrity``.
public struct KBF1DecryptingSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    public typealias Element = ByteBuffer

    let base: Base
    let opener: KBF1Opener
    let range: Range<Int64>
    let segments: ClosedRange<Int>

    /// - Parameters:
    ///   - base: exactly the stored bytes `opener.storedRange(ofSegments: segments)` for the segments covering `range`.
    ///   - range: the plaintext range wanted; must lie within the object.
    public init(_ base: Base, opener: KBF1Opener, range: Range<Int64>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= opener.plaintextLength)
        self.base = base
        self.opener = opener
        self.range = range
        self.segments = Self.segments(covering: range, in: opener)
    }

    /// The segments a read of `range` must open (segment 0 for an empty object).
    public static func segments(covering range: Range<Int64>, in opener: KBF1Opener) -> ClosedRange<Int> {
        let first = opener.segment(containing: range.lowerBound)
        let last = range.isEmpty ? first : opener.segment(containing: range.upperBound - 1)
        return first...last
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private let sequence: KBF1DecryptingSequence
        private var input: Base.AsyncIterator
        private var current: Int
        private var stored: ByteBuffer
        private var carry = ByteBuffer()

        init(sequence: KBF1DecryptingSequence) {
            self.sequence = sequence
            self.input = sequence.base.makeAsyncIterator()
            self.current = sequence.segments.lowerBound
            self.stored = ByteBufferAllocator().buffer(capacity: sequence.opener.header.segmentSize + KBF1.tagSize)
        }

        public mutating func next() async throws -> ByteBuffer? {
            while current <= sequence.segments.upperBound {
                let needed = sequence.opener.storedSize(ofSegment: current)
                while stored.readableBytes < needed {
                    if carry.readableBytes == 0 {
                        guard let chunk = try await input.next() else {
                            throw CryptoFailure.integrity("KBF1 object ends inside segment \(current)")
                        }
                        carry = chunk
                        continue
                    }
                    var slice = carry.readSlice(length: Swift.min(carry.readableBytes, needed - stored.readableBytes))!
                    stored.writeBuffer(&slice)
                }
                let plaintext = try sequence.opener.openSegment(stored.readableBytesView, index: current)
                stored.clear()
                let segmentRange = sequence.opener.plaintextRange(ofSegment: current)
                current += 1
                let wanted = segmentRange.clamped(to: sequence.range)
                guard !wanted.isEmpty else { continue }
                let lower = Int(wanted.lowerBound - segmentRange.lowerBound)
                return ByteBuffer(data: plaintext[plaintext.startIndex + lower ..< plaintext.startIndex + lower + wanted.count])
            }
            return nil
        }
    }
}

extension KBF1DecryptingSequence: Sendable where Base: Sendable {}
