// kura — a self-hosted encrypted container registry.
// SQLMetadataStore+Vaults: Key Vault keys, versions and audit log.

public import KuraAPI
import Foundation
import KuraCore
import SQLKit
public import KuraKeyVault

extension SQLMetadataStore {
    // MARK: Keys

    public func vaultKey(vault: String, name: String) async throws -> VaultKeyRecord? {
        try await session { database in
            try await database.select().columns("*").from("vault_keys")
                .where("vault", .equal, SQLBind(vault.lowercased())).where("name_key", .equal, SQLBind(name.lowercased()))
                .first().map(Self.vaultKeyRecord)
        }
    }

    public func vaultKeys(vault: String, deleted: Bool) async throws -> [VaultKeyRecord] {
        try await session { database in
            try await database.select().columns("*").from("vault_keys")
                .where("vault", .equal, SQLBind(vault.lowercased()))
                .where(SQLIdentifier("deleted_at"), deleted ? .isNot : .is, SQLLiteral.null)
                .orderBy("name_key").all().map(Self.vaultKeyRecord)
        }
    }

    public func addKeyVersion(_ version: VaultKeyVersionRecord, to target: KeyVersionTarget, audit: AuditEntryMaker?) async throws {
        let vault = version.vault.lowercased(), nameKey = version.name.lowercased()
        let document = String(decoding: version.document.serialized(), as: UTF8.self)
        try await transaction { database in
            // Concurrent creates of one new key take turns: each after the first adds a version
            // (or, for `.newKey`, is refused).
            try await Self.advisoryLock(database, key: "key/" + vault + "/" + nameKey)
            let existing = try await database.select().columns("*").from("vault_keys")
                .where("vault", .equal, SQLBind(vault)).where("name_key", .equal, SQLBind(nameKey)).first().map(Self.vaultKeyRecord)
            if let existing {
                guard target == .liveKey || existing.deletedAt == nil else {
                    throw StoreError(.conflict, "key \(version.name) is deleted but recoverable")
                }
                guard existing.deletedAt == nil else { throw StoreError(.conflict, "key \(version.name) is deleted") }
                guard target != .newKey else { throw StoreError(.conflict, "key \(version.name) exists already") }
                try await database.update("vault_keys").set("current_version", to: SQLBind(version.version))
                    .where("vault", .equal, SQLBind(vault)).where("name_key", .equal, SQLBind(nameKey)).run()
            } else {
                guard target != .liveKey else { throw StoreError(.notFound, "no key \(version.name)") }
                try await database.insert(into: "vault_keys")
                    .columns("vault", "name_key", "name", "current_version", "created_at", "deleted_at", "scheduled_purge_at")
                    .values(SQLBind(vault), SQLBind(nameKey), SQLBind(version.name), SQLBind(version.version), SQLBind(version.createdAt),
                            SQLLiteral.null, SQLLiteral.null).run()
            }
            try await database.insert(into: "vault_key_versions")
                .columns("vault", "name_key", "version", "document", "sealed_private_key", "created_at")
                .values(SQLBind(vault), SQLBind(nameKey), SQLBind(version.version), SQLBind(document),
                        SQLBind(Data(version.sealedPrivateKey).base64EncodedString()), SQLBind(version.createdAt)).run()
            if let audit { try await Self.appendAudit(database, vault: version.vault, audit) }
        }
    }

    public func keyVersion(vault: String, name: String, version: String) async throws -> VaultKeyVersionRecord? {
        try await keyVersions(vault: vault, name: name, version: version).first
    }

    public func keyVersions(vault: String, name: String) async throws -> [VaultKeyVersionRecord] {
        try await keyVersions(vault: vault, name: name, version: nil)
    }

    private func keyVersions(vault: String, name: String, version: String?) async throws -> [VaultKeyVersionRecord] {
        try await session { database in
            var query = database.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("vault_key_versions"))).column(SQLColumn("name", table: "vault_keys"))
                .from("vault_key_versions")
                .join("vault_keys", on: SQLBinaryExpression(
                    SQLBinaryExpression(SQLColumn("vault", table: "vault_keys"), .equal, SQLColumn("vault", table: "vault_key_versions")),
                    .and,
                    SQLBinaryExpression(SQLColumn("name_key", table: "vault_keys"), .equal, SQLColumn("name_key", table: "vault_key_versions"))))
                .where(SQLColumn("vault", table: "vault_key_versions"), .equal, SQLBind(vault.lowercased()))
                .where(SQLColumn("name_key", table: "vault_key_versions"), .equal, SQLBind(name.lowercased()))
            if let version { query = query.where(SQLColumn("version", table: "vault_key_versions"), .equal, SQLBind(version.lowercased())) }
            return try await query.orderBy(SQLColumn("created_at", table: "vault_key_versions"))
                .orderBy(SQLColumn("version", table: "vault_key_versions")).all().map { row in
                    VaultKeyVersionRecord(
                        vault: try row.decode(column: "vault", as: String.self), name: try row.decode(column: "name", as: String.self),
                        version: try row.decode(column: "version", as: String.self),
                        document: try JSONValue(parsing: Array(try row.decode(column: "document", as: String.self).utf8)),
                        sealedPrivateKey: try Self.bytes(row.decode(column: "sealed_private_key", as: String.self)),
                        createdAt: try row.decode(column: "created_at", as: Int64.self))
                }
        }
    }

    public func updateKeyVersion(vault: String, name: String, version: String, document: JSONValue, audit: AuditEntryMaker?) async throws {
        let text = String(decoding: document.serialized(), as: UTF8.self)
        try await transaction { database in
            let updated = try await database.update("vault_key_versions").set("document", to: SQLBind(text))
                .where("vault", .equal, SQLBind(vault.lowercased())).where("name_key", .equal, SQLBind(name.lowercased()))
                .where("version", .equal, SQLBind(version.lowercased())).returning("version").all().count
            guard updated == 1 else { throw StoreError(.notFound, "no version \(version) of key \(name)") }
            if let audit { try await Self.appendAudit(database, vault: vault, audit) }
        }
    }

    public func setKeyDeleted(vault: String, name: String, deletedAt: Int64?, scheduledPurgeAt: Int64?, audit: AuditEntryMaker?) async throws {
        try await transaction { database in
            let updated = try await database.update("vault_keys")
                .set("deleted_at", to: deletedAt.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
                .set("scheduled_purge_at", to: scheduledPurgeAt.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
                .where("vault", .equal, SQLBind(vault.lowercased())).where("name_key", .equal, SQLBind(name.lowercased()))
                .returning("name_key").all().count
            guard updated == 1 else { throw StoreError(.notFound, "no key \(name) in vault \(vault)") }
            if let audit { try await Self.appendAudit(database, vault: vault, audit) }
        }
    }

    @discardableResult
    public func purgeKey(vault: String, name: String, audit: AuditEntryMaker?) async throws -> Bool {
        try await transaction { database in
            try await database.delete(from: "vault_key_versions").where("vault", .equal, SQLBind(vault.lowercased()))
                .where("name_key", .equal, SQLBind(name.lowercased())).run()
            let purged = try await !database.delete(from: "vault_keys").where("vault", .equal, SQLBind(vault.lowercased()))
                .where("name_key", .equal, SQLBind(name.lowercased())).returning("name_key").all().isEmpty
            if purged, let audit { try await Self.appendAudit(database, vault: vault, audit) }
            return purged
        }
    }

    public func purgeVaultKeys(vault: String) async throws {
        try await transaction { database in
            for table in ["vault_key_versions", "vault_keys"] {
                try await database.delete(from: table).where("vault", .equal, SQLBind(vault.lowercased())).run()
            }
        }
    }

    static func vaultKeyRecord(_ row: any SQLRow) throws -> VaultKeyRecord {
        VaultKeyRecord(vault: try row.decode(column: "vault", as: String.self), name: try row.decode(column: "name", as: String.self),
                       currentVersion: try row.decode(column: "current_version", as: String.self),
                       createdAt: try row.decode(column: "created_at", as: Int64.self),
                       deletedAt: try row.decode(column: "deleted_at", as: Int64?.self),
                       scheduledPurgeAt: try row.decode(column: "scheduled_purge_at", as: Int64?.self))
    }

    // MARK: Audit

    public func appendAudit(vault: String, _ make: @escaping AuditEntryMaker) async throws -> AuditRecord {
        try await transaction { database in try await Self.appendAudit(database, vault: vault, make) }
    }

    /// Appends the entry `make` builds on the vault's last one, inside the caller's transaction.
    /// One chain per vault: on PostgreSQL a transaction-scoped advisory lock on the vault's chain
    /// orders concurrent appends (SQLite runs one transaction at a time anyway).
    /// - Throws: `.conflict` if the sequence number is taken (`make` did not build on the last entry).
    @discardableResult
    static func appendAudit(_ database: any SQLDatabase, vault: String, _ make: AuditEntryMaker) async throws -> AuditRecord {
        try await advisoryLock(database, key: "audit/" + vault.lowercased())
        let previous = try await database.select().columns("*").from("vault_audit").where("vault", .equal, SQLBind(vault.lowercased()))
            .orderBy("sequence", .descending).limit(1).first().map(Self.auditRecord)
        let record = make(previous)
        let inserted = try await database.insert(into: "vault_audit").columns("vault", "sequence", "entry", "hash")
            .values(SQLBind(vault.lowercased()), SQLBind(record.sequence), SQLBind(record.entry), SQLBind(record.hash))
            .ignoringConflicts(with: ["vault", "sequence"]).returning("sequence").all()
        guard !inserted.isEmpty else {
            throw StoreError(.conflict, "audit entry \(record.sequence) of vault \(vault) exists already")
        }
        return record
    }

    public func auditRecords(vault: String, after sequence: Int64, limit: Int) async throws -> [AuditRecord] {
        try await session { database in
            try await database.select().columns("*").from("vault_audit").where("vault", .equal, SQLBind(vault.lowercased()))
                .where("sequence", .greaterThan, SQLBind(sequence)).orderBy("sequence").limit(max(0, limit)).all().map(Self.auditRecord)
        }
    }

    static func auditRecord(_ row: any SQLRow) throws -> AuditRecord {
        AuditRecord(vault: try row.decode(column: "vault", as: String.self), sequence: try row.decode(column: "sequence", as: Int64.self),
                    entry: try row.decode(column: "entry", as: String.self), hash: try row.decode(column: "hash", as: String.self))
    }
}
