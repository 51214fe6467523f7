// kura — a self-hosted encrypted container registry.
// MemoryVaultStore: vault keys, key versions and the audit log in memory, for tests (same contract as the SQL store).

public import KuraAPI
import KuraCore

/// ``VaultStore`` in memory, with the SQL store's rows, keys, case rules and orderings.
/// Text matches by its UTF-8 bytes and sorts in byte order, as SQL's `=` and `ORDER BY` do.
/// Every method is synchronous on the actor, so each check and its change are one step: a change
/// and its audit entry are both checked before either is made.
public actor MemoryVaultStore: VaultStore {
    /// A `vault_keys` row: the vault and `nameKey` lower-cased, the name as first written.
    private struct KeyRow {
        var vault: String
        var nameKey: String
        var name: String
        var currentVersion: String
        var createdAt: Int64
        var deletedAt: Int64?
        var scheduledPurgeAt: Int64?

        var record: VaultKeyRecord {
            VaultKeyRecord(vault: vault, name: name, currentVersion: currentVersion, createdAt: createdAt, deletedAt: deletedAt,
                           scheduledPurgeAt: scheduledPurgeAt)
        }
    }

    /// A `vault_key_versions` row: the version as written, the document as JSON text.
    private struct VersionRow {
        var vault: String
        var nameKey: String
        var version: String
        var document: String
        var sealedPrivateKey: [UInt8]
        var createdAt: Int64
    }

    private var keyRows: [KeyRow] = []
    private var versionRows: [VersionRow] = []
    /// Every vault's entries, each under its lower-cased vault.
    private var auditRows: [AuditRecord] = []

    public init() {}

    // MARK: Keys

    public func vaultKey(vault: String, name: String) -> VaultKeyRecord? {
        keyIndex(vault: vault.lowercased(), nameKey: name.lowercased()).map { keyRows[$0].record }
    }

    /// By name key.
    public func vaultKeys(vault: String, deleted: Bool) -> [VaultKeyRecord] {
        let vault = vault.lowercased()
        return keyRows.filter { $0.vault.sameBytes(vault) && ($0.deletedAt != nil) == deleted }
            .sorted { $0.nameKey.bytesPrecede($1.nameKey) }.map(\.record)
    }

    public func addKeyVersion(_ version: VaultKeyVersionRecord, to target: KeyVersionTarget, audit: AuditEntryMaker?) throws {
        let vault = version.vault.lowercased(), nameKey = version.name.lowercased()
        let index = keyIndex(vault: vault, nameKey: nameKey)
        if let index {
            guard target == .liveKey || keyRows[index].deletedAt == nil else {
                throw StoreError(.conflict, "key \(version.name) is deleted but recoverable")
            }
            guard keyRows[index].deletedAt == nil else { throw StoreError(.conflict, "key \(version.name) is deleted") }
            guard target != .newKey else { throw StoreError(.conflict, "key \(version.name) exists already") }
        } else {
            guard target != .liveKey else { throw StoreError(.notFound, "no key \(version.name)") }
        }
        // The version's primary key (SQL refuses the row with a database error, rolling the change back).
        let taken = versionRows.contains {
            $0.vault.sameBytes(vault) && $0.nameKey.sameBytes(nameKey) && $0.version.sameBytes(version.version)
        }
        guard !taken else { throw StoreError(.conflict, "version \(version.version) of key \(version.name) exists already") }
        let entry = try audit.map { try nextEntry(vault: version.vault, $0) }

        if let index {
            keyRows[index].currentVersion = version.version
        } else {
            keyRows.append(KeyRow(vault: vault, nameKey: nameKey, name: version.name, currentVersion: version.version,
                                  createdAt: version.createdAt, deletedAt: nil, scheduledPurgeAt: nil))
        }
        versionRows.append(VersionRow(vault: vault, nameKey: nameKey, version: version.version,
                                      document: String(decoding: version.document.serialized(), as: UTF8.self),
                                      sealedPrivateKey: version.sealedPrivateKey, createdAt: version.createdAt))
        if let entry { auditRows.append(entry.stored) }
    }

    public func keyVersion(vault: String, name: String, version: String) throws -> VaultKeyVersionRecord? {
        try versions(vault: vault, name: name, version: version).first
    }

    /// Oldest first (by creation time, then version).
    public func keyVersions(vault: String, name: String) throws -> [VaultKeyVersionRecord] {
        try versions(vault: vault, name: name, version: nil)
    }

    public func updateKeyVersion(vault: String, name: String, version: String, document: JSONValue, audit: AuditEntryMaker?) throws {
        guard let index = versionIndex(vault: vault, name: name, version: version) else {
            throw StoreError(.notFound, "no version \(version) of key \(name)")
        }
        let entry = try audit.map { try nextEntry(vault: vault, $0) }
        versionRows[index].document = String(decoding: document.serialized(), as: UTF8.self)
        if let entry { auditRows.append(entry.stored) }
    }

    public func setKeyDeleted(vault: String, name: String, deletedAt: Int64?, scheduledPurgeAt: Int64?, audit: AuditEntryMaker?) throws {
        guard let index = keyIndex(vault: vault.lowercased(), nameKey: name.lowercased()) else {
            throw StoreError(.notFound, "no key \(name) in vault \(vault)")
        }
        let entry = try audit.map { try nextEntry(vault: vault, $0) }
        keyRows[index].deletedAt = deletedAt
        keyRows[index].scheduledPurgeAt = scheduledPurgeAt
        if let entry { auditRows.append(entry.stored) }
    }

    @discardableResult
    public func purgeKey(vault: String, name: String, audit: AuditEntryMaker?) throws -> Bool {
        guard let index = keyIndex(vault: vault.lowercased(), nameKey: name.lowercased()) else { return false }
        let entry = try audit.map { try nextEntry(vault: vault, $0) }
        let key = keyRows.remove(at: index)
        versionRows.removeAll { $0.vault.sameBytes(key.vault) && $0.nameKey.sameBytes(key.nameKey) }
        if let entry { auditRows.append(entry.stored) }
        return true
    }

    public func purgeVaultKeys(vault: String) {
        let vault = vault.lowercased()
        keyRows.removeAll { $0.vault.sameBytes(vault) }
        versionRows.removeAll { $0.vault.sameBytes(vault) }
    }

    /// The row of a key, by the lower-cased vault and name.
    private func keyIndex(vault: String, nameKey: String) -> Int? {
        keyRows.firstIndex { $0.vault.sameBytes(vault) && $0.nameKey.sameBytes(nameKey) }
    }

    private func versionIndex(vault: String, name: String, version: String) -> Int? {
        let vault = vault.lowercased(), nameKey = name.lowercased(), version = version.lowercased()
        return versionRows.firstIndex { $0.vault.sameBytes(vault) && $0.nameKey.sameBytes(nameKey) && $0.version.sameBytes(version) }
    }

    /// Versions joined with their key (which names them), oldest first.
    private func versions(vault: String, name: String, version: String?) throws -> [VaultKeyVersionRecord] {
        guard let key = keyIndex(vault: vault.lowercased(), nameKey: name.lowercased()).map({ keyRows[$0] }) else { return [] }
        let wanted = version?.lowercased()
        return try versionRows
            .filter { row in
                row.vault.sameBytes(key.vault) && row.nameKey.sameBytes(key.nameKey) && (wanted.map { row.version.sameBytes($0) } ?? true)
            }
            .sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.version.bytesPrecede($1.version) }
            .map { row in
                VaultKeyVersionRecord(vault: row.vault, name: key.name, version: row.version,
                                      document: try JSONValue(parsing: Array(row.document.utf8)),
                                      sealedPrivateKey: row.sealedPrivateKey, createdAt: row.createdAt)
            }
    }

    // MARK: Audit

    public func appendAudit(vault: String, _ make: @escaping AuditEntryMaker) throws -> AuditRecord {
        let entry = try nextEntry(vault: vault, make)
        auditRows.append(entry.stored)
        return entry.made
    }

    /// Sequence above `after`, in order, at most `limit`.
    public func auditRecords(vault: String, after sequence: Int64, limit: Int) -> [AuditRecord] {
        let vault = vault.lowercased()
        return Array(auditRows.filter { $0.vault.sameBytes(vault) && $0.sequence > sequence }
            .sorted { $0.sequence < $1.sequence }.prefix(max(0, limit)))
    }

    /// The entry `make` builds on the vault's last one (highest sequence), as made and as it is
    /// stored (under the lower-cased vault); not appended yet.
    /// - Throws: `.conflict` if its sequence number is taken (`make` did not build on the last entry).
    private func nextEntry(vault: String, _ make: AuditEntryMaker) throws -> (made: AuditRecord, stored: AuditRecord) {
        let key = vault.lowercased()
        let chain = auditRows.filter { $0.vault.sameBytes(key) }
        let made = make(chain.max { $0.sequence < $1.sequence })
        guard !chain.contains(where: { $0.sequence == made.sequence }) else {
            throw StoreError(.conflict, "audit entry \(made.sequence) of vault \(vault) exists already")
        }
        return (made, AuditRecord(vault: key, sequence: made.sequence, entry: made.entry, hash: made.hash))
    }
}
