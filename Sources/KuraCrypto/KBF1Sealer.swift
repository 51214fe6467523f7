// kura — a self-hosted encrypted container registry.
// KBF1Sealer / KBF1Opener: segment-level encryption and authenticated opening.

import Crypto
public import KuraCore
public import Foundation
public import NIOCore
import NIOFoundationCompat

/// Seals the segments of one new KBF1 object, in order. Each call seals one segment; the caller
/// (``KBF1EncryptingSequence``) decides segment boundaries and which segment is last.
public struct KBF1Sealer: Sendable {
    public let header: KBF1Header
    private let key: SymmetricKey
    private var nextIndex: UInt32 = 0
    private var sealedLast = false

    /// - Parameters:
    ///   - dataKey: the registry data key; a fresh salt makes the blob key unique to this object.
    ///   - segmentSize: plaintext bytes per segment.
    public init(dataKey: DataKey, segmentSize: Int = KBF1.defaultSegmentSize) {
        precondition(segmentSize > 0 && segmentSize <= KBF1.maximumSegmentSize)
        self.init(dataKey: dataKey, header: KBF1Header(segmentSize: segmentSize, keyGeneration: dataKey.generation))
    }

    /// Seals under a given header (its salt and nonce prefix): known-answer tests only.
    init(dataKey: DataKey, header: KBF1Header) {
        self.header = header
        key = dataKey.blobKey(salt: header.salt)
    }

    /// Seals the next segment; returns ciphertext ‖ tag.
    /// - Precondition: a non-last segment is exactly `segmentSize` bytes; nothing follows the last one.
    public mutating func sealSegment(_ plaintext: some DataProtocol, isLast: Bool) throws -> ByteBuffer {
        precondition(!sealedLast, "KBF1: a segment after the last one")
        precondition(isLast ? plaintext.count <= header.segmentSize : plaintext.count == header.segmentSize)
        precondition(nextIndex < KBF1.trailerIndex, "KBF1: too many segments")
        let box = try AES.GCM.seal(plaintext, using: key, nonce: header.nonce(segment: nextIndex, flag: isLast ? 1 : 0),
                                   authenticating: header.authenticatedData)
        nextIndex += 1
        sealedLast = isLast
        var out = ByteBufferAllocator().buffer(capacity: plaintext.count + KBF1.tagSize)
        out.writeBytes(box.ciphertext)
        out.writeBytes(box.tag)
        return out
    }

    /// Seals the trailer that commits the object to its digest and length.
    /// - Precondition: the last segment has been sealed.
    public func sealTrailer(digest: ContentDigest, plaintextLength: Int64) throws -> ByteBuffer {
        precondition(sealedLast, "KBF1: trailer before the last segment")
        let trailer = KBF1Trailer(digest: digest, plaintextLength: plaintextLength)
        let box = try AES.GCM.seal(trailer.plaintext, using: key, nonce: header.nonce(segment: KBF1.trailerIndex, flag: 2),
                                   authenticating: header.authenticatedData)
        var out = ByteBufferAllocator().buffer(capacity: KBF1.trailerSize)
        out.writeBytes(box.ciphertext)
        out.writeBytes(box.tag)
        return out
    }
}

/// Opens a stored KBF1 object: validates header and trailer against the object's size and the
/// digest it is stored under, then opens individual segments for (ranged) reads.
///
/// Invariant: once constructed, the object's header, trailer, digest and length are authentic;
/// every segment is still checked by its own tag as it is opened.
public struct KBF1Opener: Sendable {
    public let header: KBF1Header
    public let trailer: KBF1Trailer
    /// Number of data segments (at least 1).
    public let segmentCount: Int
    private let key: SymmetricKey
    private let statistics: KBF1Statistics?

    /// - Parameters:
    ///   - headerBytes: the first 52 bytes of the object.
    ///   - trailerBytes: the last 90 bytes.
    ///   - storedSize: the object's total size in bytes.
    ///   - dataKey: the registry's data key; its generation must match the header's.
    ///   - expectedDigest: the digest the object is stored under; a mismatch is an integrity error.
    ///   - statistics: counts segments opened, if given.
    /// - Throws: ``CryptoFailure`` when anything does not authenticate or add up.
    public init(headerBytes: [UInt8], trailerBytes: [UInt8], storedSize: Int64, dataKey: DataKey,
                expectedDigest: ContentDigest, statistics: KBF1Statistics? = nil) throws(CryptoFailure) {
        let header = try KBF1Header(parsing: headerBytes)
        guard header.keyGeneration == dataKey.generation else {
            throw .unsupported("object sealed under data key generation \(header.keyGeneration), have \(dataKey.generation)")
        }
        let key = dataKey.blobKey(salt: header.salt)
        guard trailerBytes.count == KBF1.trailerSize else { throw .integrity("KBF1 trailer is truncated") }
        let trailer: KBF1Trailer
        do {
            let box = try AES.GCM.SealedBox(nonce: header.nonce(segment: KBF1.trailerIndex, flag: 2),
                                            ciphertext: trailerBytes.prefix(KBF1.trailerPlaintextSize),
                                            tag: trailerBytes.suffix(KBF1.tagSize))
            trailer = try KBF1Trailer(parsing: AES.GCM.open(box, using: key, authenticating: header.authenticatedData))
        } catch let failure as CryptoFailure {
            throw failure
        } catch {
            throw .integrity("KBF1 trailer does not authenticate (object modified, truncated or extended)")
        }
        guard trailer.digest == expectedDigest else {
            throw .integrity("object stored as \(expectedDigest) holds \(trailer.digest)")
        }
        guard KBF1.storedSize(plaintextLength: trailer.plaintextLength, segmentSize: header.segmentSize) == storedSize else {
            throw .integrity("object size \(storedSize) does not match its trailer")
        }
        self.header = header
        self.trailer = trailer
        self.segmentCount = Int(max(1, (trailer.plaintextLength + Int64(header.segmentSize) - 1) / Int64(header.segmentSize)))
        self.key = key
        self.statistics = statistics
    }

    /// Plaintext length of the whole object.
    public var plaintextLength: Int64 { trailer.plaintextLength }

    /// The plaintext byte range that segment `index` holds.
    public func plaintextRange(ofSegment index: Int) -> Range<Int64> {
        let start = Int64(index) * Int64(header.segmentSize)
        return start..<min(start + Int64(header.segmentSize), plaintextLength)
    }

    /// The segment holding plaintext byte `offset`.
    public func segment(containing offset: Int64) -> Int {
        min(Int(offset / Int64(header.segmentSize)), segmentCount - 1)
    }

    /// Where segments `segments` lie in the stored object.
    public func storedRange(ofSegments segments: ClosedRange<Int>) -> Range<Int64> {
        let stride = Int64(header.segmentSize + KBF1.tagSize)
        let start = Int64(KBF1.headerSize) + Int64(segments.lowerBound) * stride
        let end = Int64(KBF1.headerSize) + Int64(segments.upperBound) * stride
            + Int64(plaintextRange(ofSegment: segments.upperBound).count + KBF1.tagSize)
        return start..<end
    }

    /// Stored size of segment `index` (ciphertext + tag).
    public func storedSize(ofSegment index: Int) -> Int { plaintextRange(ofSegment: index).count + KBF1.tagSize }

    /// Opens segment `index` from its stored bytes.
    /// - Throws: ``CryptoFailure/integrity``; no plaintext is returned from a segment that fails.
    public func openSegment(_ stored: some DataProtocol, index: Int) throws(CryptoFailure) -> Data {
        guard stored.count == storedSize(ofSegment: index) else { throw .integrity("KBF1 segment \(index) has the wrong size") }
        statistics?.recordSegmentOpened()
        do {
            let box = try AES.GCM.SealedBox(
                nonce: header.nonce(segment: UInt32(index), flag: index == segmentCount - 1 ? 1 : 0),
                ciphertext: stored.prefix(stored.count - KBF1.tagSize), tag: stored.suffix(KBF1.tagSize))
            return try AES.GCM.open(box, using: key, authenticating: header.authenticatedData)
        } catch {
            throw .integrity("KBF1 segment \(index) does not authenticate")
        }
    }
}
