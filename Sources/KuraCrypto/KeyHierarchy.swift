// kura — a self-hosted encrypted container registry.
// KeyHierarchy: the root key and every key derived from it (DESIGN §7).

public import Crypto
import Foundation

/// The root of kura's key hierarchy: 32 secret bytes from which every service key is derived
/// with HKDF-SHA256. Derived keys are never stored; they are recomputed when needed.
///
/// ```
/// root key ─ HKDF(info: "kura registry service key v1" ‖ registry id) → service key of a registry
///          ─ HKDF(info: "kura sealed file v1" ‖ name)                 → key of a sealed data-dir file
///          ─ HKDF(info: "kura vault key material v1" ‖ vault id)      → key of a vault's key material
///          ─ HKDF(info: "kura registry tokens v1")                   → HMAC key of registry access tokens
/// ```
public struct KeyHierarchy: Sendable {
    /// Size of the root key, in bytes.
    public static let rootKeySize = 32

    private let root: SymmetricKey

    /// - Precondition: `rootKey` is 32 bytes.
    public init(rootKey: SymmetricKey) {
        precondition(rootKey.bitCount == Self.rootKeySize * 8, "the root key must be 32 bytes")
        self.root = rootKey
    }

    /// What a derived key is for; each purpose has its own HKDF `info`, so keys never collide.
    public enum Purpose: Sendable, Hashable {
        /// Wraps the data key of one registry ("service-managed" encryption).
        case registryServiceKey(registryID: String)
        /// Seals one private file of the data dir (TLS keys, token-signing key).
        case sealedFile(name: String)
        /// Seals the private key material of one vault's keys.
        case vaultKeyMaterial(vaultID: String)
        /// Signs and verifies registry access tokens (HMAC).
        case registryTokens

        var info: Data {
            switch self {
            case .registryServiceKey(let id): Data("kura registry service key v1".utf8) + [0] + Data(id.utf8)
            case .sealedFile(let name): Data("kura sealed file v1".utf8) + [0] + Data(name.utf8)
            case .vaultKeyMaterial(let id): Data("kura vault key material v1".utf8) + [0] + Data(id.utf8)
            case .registryTokens: Data("kura registry tokens v1".utf8)
            }
        }
    }

    /// The 256-bit key for `purpose`.
    public func key(for purpose: Purpose) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: root, info: purpose.info, outputByteCount: 32)
    }
}
