// kura — a self-hosted encrypted container registry.
// ContentDigest: the OCI content identifier `algorithm:hex`.

/// A content digest as OCI writes it (`sha256:<64 hex>` or `sha512:<128 hex>`).
///
/// Invariant: `hex` is lowercase and exactly as long as the algorithm's output, so two equal
/// digests are equal strings and a digest is always safe to use as a path component.
public struct ContentDigest: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The hash algorithms kura accepts.
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256
        case sha512

        /// Length of the hex-encoded output, in characters.
        public var hexLength: Int {
            switch self {
            case .sha256: 64
            case .sha512: 128
            }
        }

        /// Length of the raw output, in bytes.
        public var byteCount: Int { hexLength / 2 }
    }

    public let algorithm: Algorithm
    /// Lowercase hex of the hash output.
    public let hex: String

    /// Parses `algorithm:hex`; returns nil for anything malformed (unknown algorithm, wrong
    /// length, uppercase or non-hex characters).
    public init?(_ string: some StringProtocol) {
        guard let colon = string.firstIndex(of: ":"),
              let algorithm = Algorithm(rawValue: String(string[..<colon]))
        else { return nil }
        let hex = string[string.index(after: colon)...]
        guard hex.utf8.count == algorithm.hexLength,
              hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        self.algorithm = algorithm
        self.hex = String(hex)
    }

    /// Builds a digest from raw hash output.
    public init(algorithm: Algorithm, bytes: some Sequence<UInt8>) {
        self.algorithm = algorithm
        self.hex = bytes.hexString
        precondition(hex.utf8.count == algorithm.hexLength, "digest length does not match \(algorithm)")
    }

    /// The raw hash output.
    public var bytes: [UInt8] { [UInt8](hexString: hex)! }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    public static func < (lhs: ContentDigest, rhs: ContentDigest) -> Bool { lhs.description < rhs.description }
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal encoding.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Decodes lowercase or uppercase hex; nil on odd length or a non-hex character.
    public init?(hexString: some StringProtocol) {
        let utf8 = Array(hexString.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = bytes
    }
}
