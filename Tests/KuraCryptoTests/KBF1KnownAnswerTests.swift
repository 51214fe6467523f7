import Crypto
import Foundation
import KuraCore
import NIOCore
@testable import KuraCrypto
import Testing

/// KBF1's bytes are fixed by docs/format-kbf1.md, not by this implementation: the vector below
/// was computed from that document alone (Python `cryptography`: HKDF-SHA256, AES-256-GCM), so a
/// change of the format — key derivation, nonce, AAD, segment layout or trailer — fails here.
struct KBF1KnownAnswerTests {
    static func dataKey() throws -> DataKey {
        try DataKey(registryID: "kat-registry", generation: 3, key: SymmetricKey(data: Array(UInt8(1)...UInt8(32))))
    }
    static let salt = Array(UInt8(0x20)...UInt8(0x3f))
    static let noncePrefix: [UInt8] = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6]
    static let plaintext = Array("KBF1 known answer: forty bytes of text!!".utf8)
    static let expected = """
        4b424631010000001000000003202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3fa0a1a2a3a4a5a6\
        62515227fa06499f9972c5ea42c9ef4575d9725dafef9fe3fb719087b609253c8e88940d17c3225bfc1e992e6413bb828d348a05f8\
        8752c8afb1ecdb0fe867b97801a5587dc4c3c8d46e9398e10fc35370833fcca2c07f4991f0418f07aac2a058cd97f22236b72b0ea83\
        72ffe632d26eb4a64c884ce1c4f812797536d3ddbb4d9bfede4423be3267e89380156e9b349e6d61c9eac5f003c0fbc86a39d3ea788\
        566b59c7ebcc4497ad760ab3f2f413e64b66
        """

    @Test func sealingTheVectorGivesItsExactBytes() throws {
        let header = KBF1Header(segmentSize: 16, keyGeneration: 3, salt: Self.salt, noncePrefix: Self.noncePrefix)
        var sealer = KBF1Sealer(dataKey: try Self.dataKey(), header: header)
        var stored = header.bytes
        for start in stride(from: 0, to: Self.plaintext.count, by: 16) {
            let end = min(start + 16, Self.plaintext.count)
            stored += Array(try sealer.sealSegment(Self.plaintext[start..<end], isLast: end == Self.plaintext.count).readableBytesView)
        }
        let digest = ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: Self.plaintext))
        stored += Array(try sealer.sealTrailer(digest: digest, plaintextLength: Int64(Self.plaintext.count)).readableBytesView)
        #expect(stored.count == 52 + 40 + 16 * 3 + 90)
        #expect(stored.map { String(format: "%02x", $0) }.joined() == Self.expected)
    }

    @Test func theVectorOpensToItsPlaintext() async throws {
        let bytes = try #require([UInt8](hexString: Self.expected))
        let opener = try KBF1Opener(headerBytes: Array(bytes[0..<52]), trailerBytes: Array(bytes[(bytes.count - 90)...]),
                                    storedSize: Int64(bytes.count), dataKey: try Self.dataKey(),
                                    expectedDigest: ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: Self.plaintext)))
        #expect(opener.plaintextLength == 40)
    }
}
