import Crypto
import KuraCore
import KuraCrypto
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): the readers of sealed bytes — KBF1 objects, sealed files, wrapped data
/// keys — on random bytes and on tampered valid ciphertext (bits flipped, slices cut, moved,
/// repeated). Each throws ``CryptoFailure`` and never traps; whatever opens is exactly what was
/// sealed (a tampered object that opened would be a forgery).
@Suite struct KBF1ReaderFuzzTests {
    @Test func kbf1ObjectsOpenOnlyUntouched() async throws {
        let key = DataKey.generate(registryID: "fuzz-registry", generation: 3)
        var objects: [(stored: [UInt8], plaintext: [UInt8], digest: ContentDigest)] = []
        for size in [0, 1, 64, 150, 300] {
            let plaintext = patternBytes(size, seed: UInt64(size) + 1)
            let (stored, result) = try await seal(plaintext, key: key, segmentSize: 64)
            let digest = try #require(result.digest)
            objects.append((stored, plaintext, digest))
        }
        var fuzz = FuzzRun("KBF1 reader (KBF1Opener, KBF1DecryptingSequence)", seed: 0x4B_4246_31,
                           tokens: FuzzRun.tokens + ["KBF1", "KBF1\u{1}", "KBF2", "\u{0}\u{0}\u{0}@", "\u{0}\u{0}\u{0}\u{0}", "\u{1}\u{0}\u{0}\u{0}"])
        for _ in 0..<fuzz.cases {
            let object = fuzz.pick(objects)
            let choice = fuzz.below(20)
            let input = choice == 0 ? fuzz.randomBytes(maxLength: 600) : choice == 1 ? object.stored : fuzz.mutate(object.stored, maxLength: 1024)
            fuzz.trace(input.hexString)
            // Random plaintext ranges of what opens (the ranged-read path), all of it otherwise.
            let length = Int64(object.plaintext.count)
            let lower = fuzz.int64(in: 0...length)
            let range: Range<Int64>? = choice == 1 && fuzz.below(2) == 0 ? lower..<fuzz.int64(in: lower...length) : nil
            do {
                let plaintext = try await open(input, key: key, digest: object.digest, range: range)
                fuzz.accept()
                let wanted = range.map { Array(object.plaintext[Int($0.lowerBound)..<Int($0.upperBound)]) } ?? object.plaintext
                fuzz.check(input == object.stored && plaintext == wanted, "a modified object opened: \(input.hexString.prefix(200))")
            } catch is CryptoFailure {
                fuzz.reject()
                fuzz.check(input != object.stored, "the untouched object did not open")
            } catch {
                fuzz.reject()
                fuzz.check(false, "opening failed with \(error), not a CryptoFailure")
            }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    @Test func kbf1HeadersParseOnlyWhatTheFormatAllows() async throws {
        let (stored, _) = try await seal(patternBytes(10), key: DataKey.generate(registryID: "r"), segmentSize: 64)
        let fuzz = Self.fuzzOpening("KBF1 header (KBF1Header(parsing:))", seed: 0x4B_4846, seeds: [Array(stored.prefix(KBF1.headerSize))],
                                    maxLength: 80) { (input: [UInt8]) throws(CryptoFailure) -> Bool in
            let header = try KBF1Header(parsing: input)
            return header.bytes == input && header.segmentSize > 0 && header.segmentSize <= 16 << 20
        }
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    @Test func sealedFilesOpenOnlyUntouched() throws {
        let sealer = SealedFile(hierarchy: KeyHierarchy(rootKey: SymmetricKey(data: [UInt8](repeating: 0x11, count: 32))))
        let secret = Array("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzz\n-----END PRIVATE KEY-----\n".utf8)
        let sealed = try sealer.seal(secret, name: "token-signing")
        let fuzz = Self.fuzzOpening("sealed file (SealedFile.open)", seed: 0x4B_5346, seeds: [sealed], maxLength: 512,
                                    tokens: FuzzRun.tokens + ["KSF1"]) { (input: [UInt8]) throws(CryptoFailure) -> Bool in
            try sealer.open(input, name: "token-signing") == secret && input == sealed
        }
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    /// Tries `open` on variants of `seeds`: each throws, or opens and `open` says whether that was right.
    static func fuzzOpening(_ name: String, seed: UInt64, seeds: [[UInt8]], maxLength: Int, tokens: [String] = FuzzRun.tokens,
                            _ open: ([UInt8]) throws(CryptoFailure) -> Bool) -> FuzzRun {
        var fuzz = FuzzRun(name, seed: seed, tokens: tokens)
        for _ in 0..<fuzz.cases {
            let input = fuzz.bytes(seeds: seeds, maxLength: maxLength)
            fuzz.trace(input.hexString)
            do throws(CryptoFailure) {
                let right = try open(input)
                fuzz.accept()
                fuzz.check(right, "\(input.hexString.prefix(200)) opened, but is not what was sealed")
            } catch {
                fuzz.reject()
            }
        }
        print(fuzz.summary)
        return fuzz
    }

    @Test func wrappedDataKeysOpenOnlyUntouched() throws {
        let wrapper = DataKeyWrapper(hierarchy: KeyHierarchy(rootKey: SymmetricKey(data: [UInt8](repeating: 0x22, count: 32))))
        let dataKey = DataKey.generate(registryID: "r-fuzz", generation: 2)
        let keyBytes = dataKey.withUnsafeBytes { Array($0) }
        let wrapped = try wrapper.wrap(dataKey)
        let customerWrapped = try wrapper.wrapCustomerWrapped(Array(repeating: 0x33, count: 256), registryID: "r-fuzz", generation: 2)
        var fuzz = FuzzRun("wrapped data key (DataKeyWrapper.unwrap, unwrapCustomerWrapped, DataKey.init)", seed: 0x4B_574B,
                           tokens: FuzzRun.tokens + ["KWK1", "KWC1"])
        for _ in 0..<fuzz.cases {
            let input = fuzz.bytes(seeds: [wrapped, customerWrapped], maxLength: 512)
            fuzz.trace(input.hexString)
            var opened = false
            if let unwrapped = try? wrapper.unwrap(input, registryID: "r-fuzz", generation: 2) {
                opened = true
                fuzz.check(input == wrapped && unwrapped.withUnsafeBytes({ Array($0) }) == keyBytes, "a modified wrapped key opened")
            }
            if let unwrapped = try? wrapper.unwrapCustomerWrapped(input, registryID: "r-fuzz", generation: 2) {
                opened = true
                fuzz.check(input == customerWrapped && unwrapped == Array(repeating: 0x33, count: 256), "a modified customer-wrapped key opened")
            }
            // Key bytes from a vault: any length but 32 is refused, never a trap.
            let fromVault = try? DataKey(registryID: "r-fuzz", generation: 2, key: SymmetricKey(data: input.prefix(64)))
            fuzz.check((fromVault != nil) == (min(input.count, 64) == 32), "DataKey accepted \(min(input.count, 64)) bytes")
            if opened { fuzz.accept() } else { fuzz.reject() }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }
}
