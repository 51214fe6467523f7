import Crypto
import Foundation
import KuraCrypto
import Testing

@Suite struct KeyWrappingTests {
    let hierarchy = KeyHierarchy(rootKey: SymmetricKey(size: .bits256))

    @Test func derivedKeysDifferPerPurposeAndAreStable() {
        let registryA = hierarchy.key(for: .registryServiceKey(registryID: "a"))
        let registryB = hierarchy.key(for: .registryServiceKey(registryID: "b"))
        let file = hierarchy.key(for: .sealedFile(name: "a"))
        #expect(registryA != registryB)
        #expect(registryA != file)
        #expect(registryA == hierarchy.key(for: .registryServiceKey(registryID: "a")))
    }

    @Test func dataKeysWrapAndUnwrapOnlyForTheirRegistryAndGeneration() throws {
        let wrapper = DataKeyWrapper(hierarchy: hierarchy)
        let key = DataKey.generate(registryID: "reg-1", generation: 3)
        let wrapped = try wrapper.wrap(key)
        #expect(wrapped.count == DataKeyWrapper.wrappedSize)
        let plaintext = key.withUnsafeBytes { Array($0) }
        #expect(!wrapped.contains(plaintext))
        let unwrapped = try wrapper.unwrap(wrapped, registryID: "reg-1", generation: 3)
        #expect(unwrapped.withUnsafeBytes { Array($0) } == plaintext)
        #expect(throws: CryptoFailure.self) { try wrapper.unwrap(wrapped, registryID: "reg-2", generation: 3) }
        #expect(throws: CryptoFailure.self) { try wrapper.unwrap(wrapped, registryID: "reg-1", generation: 4) }
        let otherRoot = DataKeyWrapper(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)))
        #expect(throws: CryptoFailure.self) { try otherRoot.unwrap(wrapped, registryID: "reg-1", generation: 3) }
        for index in wrapped.indices {
            var tampered = wrapped
            tampered[index] ^= 0x01
            #expect(throws: CryptoFailure.self) { try wrapper.unwrap(tampered, registryID: "reg-1", generation: 3) }
        }
    }

    /// Key bytes may come from a vault's unwrapKey answer: a wrong size is an error, not a trap.
    @Test func aDataKeyOfTheWrongSizeIsAnErrorNotATrap() throws {
        for size in [0, 1, 16, 31, 33, 64, 512] {
            #expect(throws: CryptoFailure.self, "\(size) bytes") {
                _ = try DataKey(registryID: "r", generation: 1, key: SymmetricKey(data: [UInt8](repeating: 7, count: size)))
            }
        }
        #expect(throws: Never.self) { _ = try DataKey(registryID: "r", generation: 1, key: SymmetricKey(size: .bits256)) }
    }

    @Test func sealedFilesOpenOnlyUnderTheirName() throws {
        let sealer = SealedFile(hierarchy: hierarchy)
        let secret = Array("-----BEGIN PRIVATE KEY-----\nabc\n".utf8)
        let sealed = try sealer.seal(secret, name: "tls/server.key")
        #expect(!sealed.contains(secret))
        #expect(try sealer.open(sealed, name: "tls/server.key") == secret)
        #expect(throws: CryptoFailure.self) { try sealer.open(sealed, name: "token-signing.key") }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 0x80
        #expect(throws: CryptoFailure.self) { try sealer.open(tampered, name: "tls/server.key") }
    }

    @Test func secretHashesVerifyOnlyTheirSecret() {
        let secret = SecretHash.generateSecret()
        #expect(secret.count == 43)
        let stored = SecretHash.make(secret)
        #expect(!stored.contains(secret))
        #expect(SecretHash.verify(secret, against: stored))
        #expect(!SecretHash.verify(secret + "x", against: stored))
        #expect(!SecretHash.verify(secret, against: "sha256$bad"))
        #expect(SecretHash.make(secret) != stored, "each hash has its own salt")
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
