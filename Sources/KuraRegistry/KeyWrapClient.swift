// kura — a self-hosted encrypted container registry.
// KeyWrapClient: how a registry reaches the key vault holding its customer-managed key.

/// Key Vault's wrap/unwrap semantics, called as the registry's identity. One protocol for a
/// vault of this installation (an in-process call carrying the identity's principal) and a
/// remote vault (HTTPS with the identity's token), so a real Azure Key Vault URL works the same way.
public protocol KeyWrapClient: Sendable {
    /// The key's current version, checked to be an enabled RSA key the identity may read.
    /// - Parameter keyID: a versioned or versionless key id.
    func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription
    /// Wraps `bytes` with RSA-OAEP-256; returns the versioned key id used and the wrapped bytes.
    func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8])
    /// Unwraps bytes wrapped by `wrap` under the versioned `keyID`.
    func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8]
}

/// What a vault says about a key.
public struct VaultKeyDescription: Sendable, Equatable {
    /// The versioned key id (`kid`).
    public let keyID: String
    /// `attributes.recoveryLevel`: `Recoverable`/`CustomizedRecoverable` when the vault has soft
    /// delete and purge protection, `…+Purgeable` or `Purgeable` when it has not; nil if not given.
    public let recoveryLevel: String?

    public init(keyID: String, recoveryLevel: String?) {
        self.keyID = keyID
        self.recoveryLevel = recoveryLevel
    }

    /// Whether the vault protects the key from purge (what a registry's key needs).
    public var isPurgeProtected: Bool { !(recoveryLevel ?? "").contains("Purgeable") }
}

/// Why the vault did not do what a registry asked.
public enum KeyWrapFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The vault answered: no access, no such key, key disabled or expired — the key is revoked
    /// for this registry until that changes.
    case revoked(String)
    /// The vault could not be reached or failed (5xx): the registry keeps its cached key for a grace period.
    case unavailable(String)

    public var description: String {
        switch self {
        case .revoked(let reason), .unavailable(let reason): reason
        }
    }
}
