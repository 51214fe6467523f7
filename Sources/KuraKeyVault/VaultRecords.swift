// kura — a self-hosted encrypted container registry.
// VaultRecords: the stored shape of Key Vault keys, their versions, and the audit log.

public import KuraAPI
import KuraCore

/// A key of a vault: its name and which version is current; soft-deleted keys keep their row.
public struct VaultKeyRecord: Sendable, Equatable {
    /// The vault's name, lower-case.
    public var vault: String
    /// The key's name as created (matched case-insensitively).
    public var name: String
    public var currentVersion: String
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64
    /// When it was soft-deleted and when it may be purged (Unix milliseconds); nil while active.
    public var deletedAt: Int64?
    public var scheduledPurgeAt: Int64?

    public init(vault: String, name: String, currentVersion: String, createdAt: Int64, deletedAt: Int64? = nil,
                scheduledPurgeAt: Int64? = nil) {
        self.vault = vault
        self.name = name
        self.currentVersion = currentVersion
        self.createdAt = createdAt
        self.deletedAt = deletedAt
        self.scheduledPurgeAt = scheduledPurgeAt
    }
}

/// One version of a vault key: its public description (JSON: kty, curve or size, key_ops,
/// attributes, tags, public JWK) and its private material, sealed (never plaintext).
public struct VaultKeyVersionRecord: Sendable, Equatable {
    public var vault: String
    /// The key's name as created.
    public var name: String
    /// 32 lower-case hex characters.
    public var version: String
    public var document: JSONValue
    /// AES-256-GCM of the private key under the vault's key-material key, bound to vault, key and version.
    public var sealedPrivateKey: [UInt8]
    /// Creation time, Unix milliseconds (orders versions).
    public var createdAt: Int64

    public init(vault: String, name: String, version: String, document: JSONValue, sealedPrivateKey: [UInt8], createdAt: Int64) {
        self.vault = vault
        self.name = name
        self.version = version
        self.document = document
        self.sealedPrivateKey = sealedPrivateKey
        self.createdAt = createdAt
    }
}

/// Builds a vault's next audit entry from its last one (nil for the first): the store calls it
/// inside the transaction that appends the entry.
public typealias AuditEntryMaker = @Sendable (_ previous: AuditRecord?) -> AuditRecord

/// One entry of a vault's audit log: its canonical JSON text and the SHA-256 (hex) chaining it.
public struct AuditRecord: Sendable, Equatable {
    public var vault: String
    /// 1, 2, 3, ... per vault.
    public var sequence: Int64
    /// The entry as canonical JSON, including the previous entry's hash.
    public var entry: String
    /// SHA-256 of `entry`, lower-case hex.
    public var hash: String

    public init(vault: String, sequence: Int64, entry: String, hash: String) {
        self.vault = vault
        self.sequence = sequence
        self.entry = entry
        self.hash = hash
    }
}
