// kura — a self-hosted encrypted container registry.
// KBF1: the streaming AEAD format of every blob and manifest at rest (docs/format-kbf1.md).

import Crypto
public import KuraCore
import Foundation

/// Constants and layout arithmetic of the KBF1 format, byte for byte as `docs/format-kbf1.md`.
///
/// ```
/// header   52 bytes  "KBF1" | version u8 = 1 | segment size u32 BE | key generation u32 BE
///                    | salt (32) | nonce prefix (7)
/// segments           AES-256-GCM(segment i) ‖ tag (16), each segment `segmentSize` plaintext
///                    bytes except the last (0...segmentSize); nonce = prefix ‖ i (u32 BE) ‖ last (u8 0/1);
///                    AAD = SHA-256(header)
/// trailer  90 bytes  AES-256-GCM(digest algorithm u8 | digest length u8 | digest (64, zero-padded)
///                    | plaintext length u64 BE) ‖ tag; nonce = prefix ‖ 0xFFFFFFFF ‖ 0x02; AAD = SHA-256(header)
/// ```
public enum KBF1 {
    public static let magic = Array("KBF1".utf8)
    public static let version: UInt8 = 1
    public static let headerSize = 52
    public static let tagSize = 16
    static let trailerPlaintextSize = 1 + 1 + 64 + 8
    public static let trailerSize = trailerPlaintextSize + tagSize
    /// Default plaintext bytes per segment (1 MiB).
    public static let defaultSegmentSize = 1 << 20
    /// Segment index reserved for the trailer's nonce.
    static let trailerIndex: UInt32 = .max
    /// Largest segment size a reader accepts (bounds the memory a forged header can demand).
    static let maximumSegmentSize = 16 << 20

    /// Size of a stored object holding `plaintextLength` bytes.
    public static func storedSize(plaintextLength: Int64, segmentSize: Int = defaultSegmentSize) -> Int64 {
        let segments = max(1, (plaintextLength + Int64(segmentSize) - 1) / Int64(segmentSize))
        return Int64(headerSize) + plaintextLength + segments * Int64(tagSize) + Int64(trailerSize)
    }
}

/// The parsed 52-byte header.
public struct KBF1Header: Sendable, Equatable {
    public let segmentSize: Int
    public let keyGeneration: UInt32
    let salt: [UInt8]
    let noncePrefix: [UInt8]
    /// The exact header bytes, as stored.
    public let bytes: [UInt8]

    /// A new object's header: a random salt and nonce prefix.
    init(segmentSize: Int, keyGeneration: UInt32) {
        var generator = SystemRandomNumberGenerator()
        self.init(segmentSize: segmentSize, keyGeneration: keyGeneration, salt: (0..<32).map { _ in generator.next() },
                  noncePrefix: (0..<7).map { _ in generator.next() })
    }

    /// A header with the given salt (32 bytes) and nonce prefix (7 bytes): known-answer tests only.
    init(segmentSize: Int, keyGeneration: UInt32, salt: [UInt8], noncePrefix prefix: [UInt8]) {
        precondition(salt.count == 32 && prefix.count == 7)
        var bytes = KBF1.magic + [KBF1.version]
        bytes += withUnsafeBytes(of: UInt32(segmentSize).bigEndian, Array.init)
        bytes += withUnsafeBytes(of: keyGeneration.bigEndian, Array.init)
        bytes += salt + prefix
        self.segmentSize = segmentSize
        self.keyGeneration = keyGeneration
        self.salt = salt
        self.noncePrefix = prefix
        self.bytes = bytes
    }

    /// Parses stored header bytes.
    /// - Throws: ``CryptoFailure/integrity`` for a wrong magic or size, ``CryptoFailure/unsupported`` for another version.
    public init(parsing bytes: [UInt8]) throws(CryptoFailure) {
        guard bytes.count == KBF1.headerSize, bytes.prefix(4).elementsEqual(KBF1.magic) else {
            throw .integrity("not a KBF1 object (bad magic)")
        }
        guard bytes[4] == KBF1.version else { throw .unsupported("KBF1 version \(bytes[4])") }
        let segmentSize = Int(UInt32(bigEndianBytes: bytes[5..<9]))
        guard segmentSize > 0, segmentSize <= KBF1.maximumSegmentSize else {
            throw .integrity("KBF1 segment size \(segmentSize) is out of range")
        }
        self.segmentSize = segmentSize
        self.keyGeneration = UInt32(bigEndianBytes: bytes[9..<13])
        self.salt = Array(bytes[13..<45])
        self.noncePrefix = Array(bytes[45..<52])
        self.bytes = bytes
    }

    /// SHA-256 of the header: the AAD of every segment and of the trailer.
    var authenticatedData: Data { Data(SHA256.hash(data: bytes)) }

    func nonce(segment index: UInt32, flag: UInt8) -> AES.GCM.Nonce {
        let bytes = noncePrefix + withUnsafeBytes(of: index.bigEndian, Array.init) + [flag]
        return try! AES.GCM.Nonce(data: bytes)  // 12 bytes by construction
    }
}

/// The contents of the sealed trailer.
public struct KBF1Trailer: Sendable, Equatable {
    public let digest: ContentDigest
    public let plaintextLength: Int64

    var plaintext: [UInt8] {
        let algorithmID: UInt8 = digest.algorithm == .sha256 ? 1 : 2
        let raw = digest.bytes
        return [algorithmID, UInt8(raw.count)] + raw + [UInt8](repeating: 0, count: 64 - raw.count)
            + withUnsafeBytes(of: UInt64(plaintextLength).bigEndian, Array.init)
    }

    init(digest: ContentDigest, plaintextLength: Int64) {
        self.digest = digest
        self.plaintextLength = plaintextLength
    }

    init(parsing plaintext: Data) throws(CryptoFailure) {
        let bytes = [UInt8](plaintext)
        let algorithm: ContentDigest.Algorithm
        switch bytes[0] {
        case 1: algorithm = .sha256
        case 2: algorithm = .sha512
        default: throw .integrity("KBF1 trailer names an unknown digest algorithm")
        }
        guard Int(bytes[1]) == algorithm.byteCount else { throw .integrity("KBF1 trailer digest length is wrong") }
        self.digest = ContentDigest(algorithm: algorithm, bytes: bytes[2..<(2 + algorithm.byteCount)])
        let length = UInt64(bigEndianBytes: bytes[66..<74])
        guard length <= UInt64(Int64.max) else { throw .integrity("KBF1 trailer length is out of range") }
        self.plaintextLength = Int64(length)
    }
}

extension FixedWidthInteger {
    init(bigEndianBytes bytes: some Collection<UInt8>) {
        self = bytes.reduce(0) { $0 << 8 | Self($1) }
    }
}
