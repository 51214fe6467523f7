// kura — a self-hosted encrypted container registry.
// DataKey: a registry's data key (DEK) and its service-managed wrapping.

public import Crypto
import Foundation

/// The data key of one registry: 32 random bytes that every blob key of that registry derives
/// from. It exists in plaintext only in memory (swift-crypto zeroes a `SymmetricKey`'s storage
/// when it is released); at rest it is always wrapped (``DataKeyWrapper``).
public struct DataKey: Sendable {
    /// The registry this key belongs to; bound into every blob key and into the wrapping.
    public let registryID: String
    /// Generation of the key, written in each KBF1 header so a reader knows which key sealed it.
    public let generation: UInt32
    let key: SymmetricKey

    /// - Throws: ``CryptoFailure/integrity`` unless `key` is 256 bits. Key bytes may come from a
    ///   vault (an unwrapKey answer), so a wrong size is bad input, never a trap.
    public init(registryID: String, generation: UInt32, key: SymmetricKey) throws(CryptoFailure) {
        guard key.bitCount == 256 else {
            throw CryptoFailure.integrity("a data key is 32 bytes, not \(key.bitCount / 8)")
        }
        self.init(checkedKey: key, registryID: registryID, generation: generation)
    }

    private init(checkedKey key: SymmetricKey, registryID: String, generation: UInt32) {
        self.registryID = registryID
        self.generation = generation
        self.key = key
    }

    /// A fresh random data key.
    public static func generate(registryID: String, generation: UInt32 = 1) -> DataKey {
        DataKey(checkedKey: SymmetricKey(size: .bits256), registryID: registryID, generation: generation)
    }

    /// Calls `body` with the plaintext key bytes; for wrapping through a key vault and for tests
    /// that prove the bytes never reach disk. Do not copy them out.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try key.withUnsafeBytes(body)
    }

    /// The key of one blob: HKDF-SHA256(DEK, salt, "kura blob v1" ‖ 0 ‖ registry id).
    func blobKey(salt: some DataProtocol) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: salt,
                               info: Data("kura blob v1".utf8) + [0] + Data(registryID.utf8), outputByteCount: 32)
    }
}

/// Wraps and unwraps data keys with a registry's service key (AES-256-GCM).
///
/// Wrapped form, 64 bytes: `"KWK1"` ‖ nonce (12) ‖ ciphertext (32) ‖ tag (16); the AAD is
/// `"kura dek v1"` ‖ 0 ‖ registry id ‖ 0 ‖ generation (u32 BE), so a wrapped key moved to another
/// registry or generation does not unwrap.
public struct DataKeyWrapper: Sendable {
    static let magic = Array("KWK1".utf8)
    public static let wrappedSize = 4 + 12 + 32 + 16

    private let hierarchy: KeyHierarchy

    public init(hierarchy: KeyHierarchy) { self.hierarchy = hierarchy }

    /// Seals `dataKey` (or, with a customer-managed key, the bytes the vault already wrapped) under the registry's service key.
    public func wrap(_ dataKey: DataKey) throws -> [UInt8] {
        let serviceKey = hierarchy.key(for: .registryServiceKey(registryID: dataKey.registryID))
        let box = try dataKey.withUnsafeBytes { bytes in
            try AES.GCM.seal(bytes, using: serviceKey, authenticating: Self.aad(dataKey.registryID, dataKey.generation))
        }
        return Self.magic + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// Opens a wrapped data key.
    /// - Throws: ``CryptoFailure/integrity`` when the bytes were changed or belong to another registry/generation.
    public func unwrap(_ wrapped: [UInt8], registryID: String, generation: UInt32) throws(CryptoFailure) -> DataKey {
        guard wrapped.count == Self.wrappedSize, wrapped.prefix(4).elementsEqual(Self.magic) else {
            throw CryptoFailure.integrity("wrapped data key of registry \(registryID) is malformed")
        }
        let serviceKey = hierarchy.key(for: .registryServiceKey(registryID: registryID))
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: wrapped[4..<16]), ciphertext: wrapped[16..<48],
                                            tag: wrapped[48..<64])
            let plaintext = try AES.GCM.open(box, using: serviceKey, authenticating: Self.aad(registryID, generation))
            return try DataKey(registryID: registryID, generation: generation, key: SymmetricKey(data: plaintext))
        } catch {
            throw CryptoFailure.integrity("wrapped data key of registry \(registryID) does not open")
        }
    }

    static let customerMagic = Array("KWC1".utf8)

    /// Seals the bytes a customer-managed key already wrapped (the outer, service-managed layer of
    /// a CMK registry's two). Format: `"KWC1"` ‖ nonce (12) ‖ ciphertext ‖ tag (16); AAD
    /// `"kura cmk dek v1"` ‖ 0 ‖ registry id ‖ 0 ‖ generation.
    public func wrapCustomerWrapped(_ bytes: [UInt8], registryID: String, generation: UInt32) throws -> [UInt8] {
        let box = try AES.GCM.seal(bytes, using: hierarchy.key(for: .registryServiceKey(registryID: registryID)),
                                   authenticating: Self.customerAAD(registryID, generation))
        return Self.customerMagic + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// Opens the outer layer of a CMK registry's data key: the bytes only the customer key unwraps.
    /// - Throws: ``CryptoFailure/integrity`` when changed or moved to another registry/generation.
    public func unwrapCustomerWrapped(_ wrapped: [UInt8], registryID: String, generation: UInt32) throws(CryptoFailure) -> [UInt8] {
        guard wrapped.count > 4 + 12 + 16, wrapped.prefix(4).elementsEqual(Self.customerMagic) else {
            throw CryptoFailure.integrity("customer-wrapped data key of registry \(registryID) is malformed")
        }
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: wrapped[4..<16]), ciphertext: wrapped[16..<(wrapped.count - 16)],
                                            tag: wrapped[(wrapped.count - 16)...])
            return Array(try AES.GCM.open(box, using: hierarchy.key(for: .registryServiceKey(registryID: registryID)),
                                          authenticating: Self.customerAAD(registryID, generation)))
        } catch {
            throw CryptoFailure.integrity("customer-wrapped data key of registry \(registryID) does not open")
        }
    }

    private static func customerAAD(_ registryID: String, _ generation: UInt32) -> Data {
        Data("kura cmk dek v1".utf8) + [0] + Data(registryID.utf8) + [0] + withUnsafeBytes(of: generation.bigEndian) { Data($0) }
    }

    private static func aad(_ registryID: String, _ generation: UInt32) -> Data {
        Data("kura dek v1".utf8) + [0] + Data(registryID.utf8) + [0] + withUnsafeBytes(of: generation.bigEndian) { Data($0) }
    }
}
