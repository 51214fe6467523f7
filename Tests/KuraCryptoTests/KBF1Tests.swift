import Crypto
import KuraCore
import KuraCrypto
import Testing

@Suite struct KBF1Tests {
    let key = DataKey.generate(registryID: "3f1e7c2a-0000-4000-8000-000000000001")

    @Test(arguments: [0, 1, 63, 64, 65, 200, 64 * 3])
    func roundTripsEverySizeAroundSegmentBoundaries(size: Int) async throws {
        let plaintext = patternBytes(size)
        let (stored, result) = try await seal(plaintext, key: key, segmentSize: 64)
        let digest = ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: plaintext))
        #expect(result.digest == digest)
        #expect(result.plaintextLength == Int64(size))
        #expect(Int64(stored.count) == KBF1.storedSize(plaintextLength: Int64(size), segmentSize: 64))
        #expect(try await open(stored, key: key, digest: digest) == plaintext)
    }

    @Test func sha512DigestsWhenDeclared() async throws {
        let plaintext = patternBytes(1000)
        let digest = ContentDigest(algorithm: .sha512, bytes: SHA512.hash(data: plaintext))
        let (stored, result) = try await seal(plaintext, key: key, segmentSize: 128, expected: digest)
        #expect(result.digest == digest)
        #expect(try await open(stored, key: key, digest: digest) == plaintext)
    }

    @Test func aMismatchedDeclaredDigestStopsBeforeTheTrailer() async throws {
        let wrong = ContentDigest(algorithm: .sha256, bytes: [UInt8](repeating: 1, count: 32))
        await #expect(throws: KBF1WriteError.self) { try await seal(patternBytes(300), key: key, segmentSize: 64, expected: wrong) }
    }

    @Test func storedBytesContainNoPlaintextAndNoKey() async throws {
        let marker = Array("KURA-PLAINTEXT-MARKER-0123456789".utf8)
        let plaintext = Array((0..<50).flatMap { _ in marker })
        let (stored, _) = try await seal(plaintext, key: key, segmentSize: 256)
        #expect(!stored.contains(marker))
        let keyBytes = key.withUnsafeBytes { Array($0) }
        #expect(!stored.contains(keyBytes))
    }

    @Test func twoObjectsOfTheSamePlaintextShareNoCiphertext() async throws {
        let plaintext = patternBytes(500)
        let (first, _) = try await seal(plaintext, key: key, segmentSize: 64)
        let (second, _) = try await seal(plaintext, key: key, segmentSize: 64)
        // Fresh salt and nonce prefix per object: different blob keys, different nonces.
        #expect(first[13..<52] != second[13..<52])
        #expect(first[52..<116] != second[52..<116])
    }

    @Test func anotherRegistrysKeyCannotOpen() async throws {
        let plaintext = patternBytes(100)
        let digest = ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: plaintext))
        let (stored, _) = try await seal(plaintext, key: key, segmentSize: 64)
        let other = DataKey.generate(registryID: "other")
        await #expect(throws: CryptoFailure.self) { try await open(stored, key: other, digest: digest) }
    }

    @Test func rangedReadsReturnExactlyTheRangeAndOpenOnlyItsSegments() async throws {
        let plaintext = patternBytes(1000)
        let digest = ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: plaintext))
        let (stored, _) = try await seal(plaintext, key: key, segmentSize: 100)
        for (lower, upper, segments) in [(0, 1, 1), (150, 151, 1), (99, 101, 2), (0, 1000, 10), (999, 1000, 1), (250, 750, 6)] {
            let statistics = KBF1Statistics()
            let got = try await open(stored, key: key, digest: digest, range: Int64(lower)..<Int64(upper), statistics: statistics)
            #expect(got == Array(plaintext[lower..<upper]))
            #expect(statistics.segmentsOpened == segments, "range \(lower)..<\(upper)")
        }
    }

    @Test func headerParsingRejectsOtherVersionsAndMagic() throws {
        var header = Array("KBF1".utf8) + [2] + [0, 0, 0, 64] + [0, 0, 0, 1] + [UInt8](repeating: 0, count: 39)
        #expect(throws: CryptoFailure.unsupported("KBF1 version 2")) { try KBF1Header(parsing: header) }
        header[4] = 1
        #expect(try KBF1Header(parsing: header).segmentSize == 64)
        header[0] = UInt8(ascii: "X")
        #expect(throws: CryptoFailure.self) { try KBF1Header(parsing: header) }
    }
}
