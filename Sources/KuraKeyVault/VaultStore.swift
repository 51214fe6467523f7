// kura — a self-hosted encrypted container registry.
// VaultStore: what the Key Vault plane keeps — keys, versions, the audit log.

public import KuraAPI
import KuraCore

/// The Key Vault plane's records: keys with their versions (private keys sealed), and each
/// vault's hash-chained audit log.
/// Every method is atomic; the contract suites in `Tests/KuraStorageTests` run against the
/// in-memory implementation and `SQLMetadataStore` on SQLite and PostgreSQL alike.
public protocol VaultStore: Sendable {
    // MARK: Vault keys

    /// The key `name` of `vault` (names match without case), deleted or not.
    func vaultKey(vault: String, name: String) async throws -> VaultKeyRecord?
    /// Active (or soft-deleted) keys of a vault, by name.
    func vaultKeys(vault: String, deleted: Bool) async throws -> [VaultKeyRecord]
    // Each change below appends `audit`'s entry to the vault's audit log in the same transaction
    // (when given): a change is never without its entry, and an entry never without its change.

    /// Adds a version and makes it current, creating the key when `target` allows a new one.
    /// - Throws: `.conflict` when the key is soft-deleted, or exists and `target` is `.newKey`;
    ///   `.notFound` when it does not exist and `target` is `.liveKey`.
    func addKeyVersion(_ version: VaultKeyVersionRecord, to target: KeyVersionTarget, audit: AuditEntryMaker?) async throws
    func keyVersion(vault: String, name: String, version: String) async throws -> VaultKeyVersionRecord?
    /// Every version of a key, oldest first.
    func keyVersions(vault: String, name: String) async throws -> [VaultKeyVersionRecord]
    /// Replaces a version's document (attributes, ops, tags). - Throws: `.notFound`.
    func updateKeyVersion(vault: String, name: String, version: String, document: JSONValue, audit: AuditEntryMaker?) async throws
    /// Soft-deletes (both times set) or recovers (both nil) a key. - Throws: `.notFound`.
    func setKeyDeleted(vault: String, name: String, deletedAt: Int64?, scheduledPurgeAt: Int64?, audit: AuditEntryMaker?) async throws
    /// Removes a key and all its versions; returns whether it existed.
    @discardableResult func purgeKey(vault: String, name: String, audit: AuditEntryMaker?) async throws -> Bool
    /// Removes every key of a vault (the vault was purged).
    func purgeVaultKeys(vault: String) async throws

    // MARK: Vault audit log

    /// Appends the entry `make` builds from the vault's last entry, atomically (one chain per vault).
    func appendAudit(vault: String, _ make: @escaping AuditEntryMaker) async throws -> AuditRecord
    /// Entries with a sequence above `after`, in order, at most `limit`.
    func auditRecords(vault: String, after sequence: Int64, limit: Int) async throws -> [AuditRecord]
}

/// Which key a new version may go to (decided by the store, under its lock, so that racing
/// writers are told apart).
public enum KeyVersionTarget: Sendable, Equatable {
    /// A new key, or a live one (Key Vault's create and import: of racing creates of one name,
    /// each after the first adds a version).
    case newOrLiveKey
    /// A live key only (rotate, a restore's later versions).
    case liveKey
    /// A new key only (ARM's PUT, which never adds a version to an existing key).
    case newKey
}
