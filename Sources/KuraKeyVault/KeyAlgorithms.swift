// kura — a self-hosted encrypted container registry.
// KeyAlgorithms: Key Vault's cryptographic operations, bit-compatible with the SDKs' local crypto.

import Crypto
import Foundation
import _CryptoExtras

/// The algorithms of `encrypt`/`decrypt`/`wrapkey`/`unwrapkey` and `sign`/`verify`:
///
/// | alg | parameters |
/// |---|---|
/// | `RSA1_5` | PKCS#1 v1.5 encryption |
/// | `RSA-OAEP` | OAEP, SHA-1 and MGF1-SHA-1, empty label |
/// | `RSA-OAEP-256` | OAEP, SHA-256 and MGF1-SHA-256, empty label |
/// | `RS256/384/512` | PKCS#1 v1.5 signature over the given digest |
/// | `PS256/384/512` | PSS, MGF1 with the same hash, salt length = hash length |
/// | `ES256/384/512` | ECDSA over the given digest, signature raw `r‖s` |
public enum KeyAlgorithms {
    public static let encryption = ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"]
    public static let signing = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]

    public static func encrypt(_ plaintext: [UInt8], alg: String, with material: KeyMaterial) throws -> [UInt8] {
        let key = try _RSA.Encryption.PublicKey(derRepresentation: try rsa(material).publicKey.derRepresentation)
        do {
            return Array(try key.encrypt(plaintext, padding: try padding(alg)))
        } catch let error as KeyVaultError {
            throw error
        } catch {
            throw KeyVaultError.badParameter("The value cannot be encrypted with \(alg) under this key (too long for the key size?).")
        }
    }

    public static func decrypt(_ ciphertext: [UInt8], alg: String, with material: KeyMaterial) throws -> [UInt8] {
        let key = try _RSA.Encryption.PrivateKey(derRepresentation: try rsa(material).derRepresentation)
        let padding = try padding(alg)
        do {
            return Array(try key.decrypt(ciphertext, padding: padding))
        } catch {
            throw KeyVaultError.badParameter("The ciphertext does not decrypt with \(alg) under this key.")
        }
    }

    public static func sign(_ digest: [UInt8], alg: String, with material: KeyMaterial) throws -> [UInt8] {
        switch (alg, material.kind) {
        case ("RS256", .rsa), ("RS384", .rsa), ("RS512", .rsa), ("PS256", .rsa), ("PS384", .rsa), ("PS512", .rsa):
            let key = try rsa(material)
            let padding: _RSA.Signing.Padding = alg.hasPrefix("PS") ? .PSS : .insecurePKCS1v1_5
            return try withDigest(digest, alg: alg) { Array(try key.signature(for: $0, padding: padding).rawRepresentation) }
        case ("ES256", .ec(.p256)):
            let key = try P256.Signing.PrivateKey(rawRepresentation: material.privateBytes)
            return try withDigest(digest, alg: alg) { Array(try key.signature(for: $0).rawRepresentation) }
        case ("ES384", .ec(.p384)):
            let key = try P384.Signing.PrivateKey(rawRepresentation: material.privateBytes)
            return try withDigest(digest, alg: alg) { Array(try key.signature(for: $0).rawRepresentation) }
        case ("ES512", .ec(.p521)):
            let key = try P521.Signing.PrivateKey(rawRepresentation: material.privateBytes)
            return try withDigest(digest, alg: alg) { Array(try key.signature(for: $0).rawRepresentation) }
        default:
            throw KeyVaultError.badParameter("The algorithm '\(alg)' cannot sign with this \(material.keyType) key.")
        }
    }

    public static func verify(_ digest: [UInt8], signature: [UInt8], alg: String, with material: KeyMaterial) throws -> Bool {
        switch (alg, material.kind) {
        case ("RS256", .rsa), ("RS384", .rsa), ("RS512", .rsa), ("PS256", .rsa), ("PS384", .rsa), ("PS512", .rsa):
            let key = try rsa(material).publicKey
            let padding: _RSA.Signing.Padding = alg.hasPrefix("PS") ? .PSS : .insecurePKCS1v1_5
            return try withDigest(digest, alg: alg) { key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: $0, padding: padding) }
        case ("ES256", .ec(.p256)):
            let key = try P256.Signing.PrivateKey(rawRepresentation: material.privateBytes).publicKey
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return try withDigest(digest, alg: alg) { key.isValidSignature(parsed, for: $0) }
        case ("ES384", .ec(.p384)):
            let key = try P384.Signing.PrivateKey(rawRepresentation: material.privateBytes).publicKey
            guard let parsed = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return try withDigest(digest, alg: alg) { key.isValidSignature(parsed, for: $0) }
        case ("ES512", .ec(.p521)):
            let key = try P521.Signing.PrivateKey(rawRepresentation: material.privateBytes).publicKey
            guard let parsed = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return try withDigest(digest, alg: alg) { key.isValidSignature(parsed, for: $0) }
        default:
            throw KeyVaultError.badParameter("The algorithm '\(alg)' cannot verify with this \(material.keyType) key.")
        }
    }

    // MARK: Plumbing

    static func rsa(_ material: KeyMaterial) throws -> _RSA.Signing.PrivateKey {
        guard case .rsa = material.kind else { throw KeyVaultError.badParameter("This operation needs an RSA key; the key is \(material.keyType).") }
        return try _RSA.Signing.PrivateKey(derRepresentation: material.privateBytes)
    }

    static func padding(_ alg: String) throws -> _RSA.Encryption.Padding {
        switch alg {
        case "RSA-OAEP": .PKCS1_OAEP
        case "RSA-OAEP-256": .PKCS1_OAEP_SHA256
        case "RSA1_5": ._WEAK_AND_INSECURE_PKCS_V1_5
        default: throw KeyVaultError.badParameter("The algorithm '\(alg)' is not one of RSA-OAEP, RSA-OAEP-256, RSA1_5.")
        }
    }

    /// Runs `body` with the caller's pre-computed digest as swift-crypto's digest type for `alg`
    /// (Key Vault signs the digest it is given; it does not hash again).
    /// - Throws: `BadParameter` when the digest length does not match the algorithm.
    static func withDigest<R>(_ bytes: [UInt8], alg: String, _ body: (any Digest) throws -> R) throws -> R {
        switch alg.suffix(3) {
        case "256": return try body(try DigestBytes.sha256(bytes, alg: alg))
        case "384": return try body(try DigestBytes.sha384(bytes, alg: alg))
        case "512": return try body(try DigestBytes.sha512(bytes, alg: alg))
        default: throw KeyVaultError.badParameter("Unknown signature algorithm '\(alg)'.")
        }
    }
}

/// swift-crypto's digest values built from bytes a client computed. The digest types have no
/// public initializer from bytes; each is a plain tuple of 64-bit words, so the bytes are
/// reinterpreted as that layout (checked by size here and by a round-trip test).
enum DigestBytes {
    static func sha256(_ bytes: [UInt8], alg: String) throws -> SHA256Digest {
        try make(bytes, alg: alg, as: SHA256Digest.self, words: (UInt64, UInt64, UInt64, UInt64).self)
    }

    static func sha384(_ bytes: [UInt8], alg: String) throws -> SHA384Digest {
        try make(bytes, alg: alg, as: SHA384Digest.self, words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64).self)
    }

    static func sha512(_ bytes: [UInt8], alg: String) throws -> SHA512Digest {
        try make(bytes, alg: alg, as: SHA512Digest.self, words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64).self)
    }

    private static func make<D: Digest, Words>(_ bytes: [UInt8], alg: String, as type: D.Type, words: Words.Type) throws -> D {
        guard bytes.count == D.byteCount else {
            throw KeyVaultError.badParameter("The digest for \(alg) must be \(D.byteCount) bytes; \(bytes.count) were given.")
        }
        precondition(MemoryLayout<D>.size == D.byteCount && MemoryLayout<Words>.size == D.byteCount, "digest layout changed")
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(as: Words.self) }
        return unsafeBitCast(value, to: D.self)
    }
}
