// kura — a self-hosted encrypted container registry.
// SQLMetadataStore: MetadataStore in SQLKit, the same SQL on SQLite and PostgreSQL.

import Foundation
public import KuraCore
public import KuraDirectory
public import KuraKeyVault
public import KuraManagement
public import KuraRegistry
public import Logging
import PostgresNIO
import SQLKit

/// Every plane's store over SQLKit, in one database: the login plane's ``DirectoryStore``, the
/// registry plane's ``RegistryStore``, ``RegistryContentStore`` and ``UploadStore``, the Key
/// Vault plane's ``VaultStore`` and the management plane's ``ManagementStore``. Each plane is
/// handed only its own protocol. Only the session provider differs between SQLite and
/// PostgreSQL; every query is built with SQLKit's builders so each dialect renders its own SQL.
///
/// Conventions: binary values are stored as base64 text (portable across both databases), times
/// as Unix milliseconds (`bigint`), names matched case-insensitively through a `name_key` column.
public final class SQLMetadataStore: DirectoryStore, RegistryStore, RegistryContentStore, UploadStore, VaultStore, ManagementStore {
    private let sessions: any SQLSessionProvider
    /// Stamps what the store itself dates (repository links, tag moves, migrations).
    let clock: any WallClock

    /// The embedded store: SQLite in WAL mode at `path` (created 0600 under kura's umask).
    public static func sqlite(path: String, logger: Logger = Logger(label: "kura.metadata"),
                              clock: any WallClock = SystemClock()) async throws -> SQLMetadataStore {
        SQLMetadataStore(sessions: try await SQLiteSessionProvider.open(path: path, logger: logger), clock: clock)
    }

    /// The cluster store: PostgreSQL at `url` (`postgres://user:password@host:port/database`).
    public static func postgres(url: String, logger: Logger = Logger(label: "kura.metadata"),
                                clock: any WallClock = SystemClock()) throws -> SQLMetadataStore {
        SQLMetadataStore(sessions: try PostgresSessionProvider(url: url, logger: logger), clock: clock)
    }

    private init(sessions: any SQLSessionProvider, clock: any WallClock) {
        self.sessions = sessions
        self.clock = clock
    }

    /// Closes connections; the store is unusable afterwards.
    public func close() async throws { try await sessions.shutdown() }

    // MARK: Migrations

    @discardableResult
    public func migrate() async throws -> Int {
        try await transaction { database in
            // Several instances starting against one PostgreSQL database (behind a load balancer)
            // migrate one after another: the lock is held until this transaction ends.
            if database.dialect.name == "postgresql" {
                try await database.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(Self.migrationLockKey)))").run()
            }
            try await database.create(table: "kura_migrations").ifNotExists()
                .column("version", type: .bigint, .primaryKey(autoIncrement: false))
                .column("name", type: .text, .notNull)
                .column("applied_at", type: .bigint, .notNull)
                .run()
            let applied = try await database.select().column("version").from("kura_migrations").all()
                .map { try $0.decode(column: "version", as: Int.self) }
            let current = applied.max() ?? 0
            for migration in MetadataSchema.migrations where migration.version > current {
                try await migration.apply(database)
                try await database.insert(into: "kura_migrations").columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(self.clock.milliseconds)).run()
            }
            return MetadataSchema.migrations.last?.version ?? current
        }
    }

    /// The advisory lock migrations take on PostgreSQL ("kuramigr" as a big-endian integer).
    static let migrationLockKey: Int64 = 0x6B75_7261_6D69_6772

    // MARK: Principals

    public func insertPrincipal(_ principal: PrincipalRecord) async throws {
        try await insertUnique(into: "principals", what: "principal \(principal.appID)", [
            ("object_id", principal.objectID), ("app_id", principal.appID), ("display_name", principal.displayName),
            ("kind", principal.kind.rawValue), ("secret_hash", principal.secretHash), ("created_at", principal.createdAt),
            ("user_principal_name", principal.userPrincipalName), ("user_principal_name_key", principal.userPrincipalName?.lowercased()),
        ])
    }

    public func principal(userPrincipalName name: String) async throws -> PrincipalRecord? {
        try await principals(where: "user_principal_name_key", name.lowercased()).first
    }

    public func principal(appID: String) async throws -> PrincipalRecord? {
        try await principals(where: "app_id", appID).first
    }

    public func principal(objectID: String) async throws -> PrincipalRecord? {
        try await principals(where: "object_id", objectID).first
    }

    public func principals() async throws -> [PrincipalRecord] {
        try await principals(where: nil, nil)
    }

    @discardableResult
    public func deletePrincipal(objectID: String) async throws -> Bool {
        try await session { database in
            try await !database.delete(from: "principals").where("object_id", .equal, SQLBind(objectID))
                .returning("object_id").all().isEmpty
        }
    }

    private func principals(where column: String?, _ value: String?) async throws -> [PrincipalRecord] {
        try await session { database in
            var query = database.select().columns("*").from("principals")
            if let column, let value { query = query.where(SQLIdentifier(column), .equal, SQLBind(value)) }
            return try await query.orderBy("created_at").orderBy("object_id").all().map { row in
                PrincipalRecord(
                    objectID: try row.decode(column: "object_id", as: String.self),
                    appID: try row.decode(column: "app_id", as: String.self),
                    displayName: try row.decode(column: "display_name", as: String.self),
                    kind: PrincipalRecord.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .servicePrincipal,
                    secretHash: try row.decode(column: "secret_hash", as: String?.self),
                    createdAt: try row.decode(column: "created_at", as: Int64.self),
                    userPrincipalName: try row.decode(column: "user_principal_name", as: String?.self))
            }
        }
    }

    // MARK: Registries

    public func insertRegistry(_ registry: RegistryRecord) async throws {
        try await insertUnique(into: "registries", what: "registry \(registry.name)", [
            ("id", registry.id), ("name", registry.name), ("name_key", registry.name.lowercased()),
            ("wrapped_data_key", Data(registry.wrappedDataKey).base64EncodedString()),
            ("key_generation", Int64(registry.keyGeneration)), ("admin_user_enabled", registry.adminUserEnabled ? 1 : 0),
            ("sealed_admin_passwords", registry.sealedAdminPasswords.map { Data($0).base64EncodedString() }),
            ("anonymous_pull_enabled", registry.anonymousPullEnabled ? 1 : 0), ("created_at", registry.createdAt),
            ("cmk_key_identifier", registry.customerKey?.keyIdentifier), ("cmk_versioned_key_id", registry.customerKey?.versionedKeyID),
            ("cmk_identity", registry.customerKey?.identityObjectID),
        ])
    }

    public func registry(named name: String) async throws -> RegistryRecord? {
        try await registries(named: name).first
    }

    public func registries() async throws -> [RegistryRecord] {
        try await registries(named: nil)
    }

    private func registries(named name: String?) async throws -> [RegistryRecord] {
        try await session { database in
            var query = database.select().columns("*").from("registries")
            if let name { query = query.where("name_key", .equal, SQLBind(name.lowercased())) }
            return try await query.orderBy("name_key").all().map { row in
                RegistryRecord(
                    id: try row.decode(column: "id", as: String.self),
                    name: try row.decode(column: "name", as: String.self),
                    wrappedDataKey: try Self.bytes(row.decode(column: "wrapped_data_key", as: String.self)),
                    keyGeneration: UInt32(try row.decode(column: "key_generation", as: Int64.self)),
                    adminUserEnabled: try row.decode(column: "admin_user_enabled", as: Int64.self) != 0,
                    sealedAdminPasswords: try row.decode(column: "sealed_admin_passwords", as: String?.self).map(Self.bytes),
                    anonymousPullEnabled: try row.decode(column: "anonymous_pull_enabled", as: Int64.self) != 0,
                    createdAt: try row.decode(column: "created_at", as: Int64.self),
                    customerKey: try Self.customerKey(row))
            }
        }
    }

    static func customerKey(_ row: any SQLRow) throws -> CustomerKeyBinding? {
        guard let identifier = try row.decode(column: "cmk_key_identifier", as: String?.self),
              let versioned = try row.decode(column: "cmk_versioned_key_id", as: String?.self),
              let identity = try row.decode(column: "cmk_identity", as: String?.self) else { return nil }
        return CustomerKeyBinding(keyIdentifier: identifier, versionedKeyID: versioned, identityObjectID: identity)
    }

    public func replaceWrappedDataKey(registryID: String, expected: [UInt8], new: [UInt8], customerKey: CustomerKeyBinding?) async throws {
        try await transaction { database in
            let updated = try await database.update("registries")
                .set("wrapped_data_key", to: SQLBind(Data(new).base64EncodedString()))
                .set("cmk_key_identifier", to: Self.bindOrNull(customerKey?.keyIdentifier))
                .set("cmk_versioned_key_id", to: Self.bindOrNull(customerKey?.versionedKeyID))
                .set("cmk_identity", to: Self.bindOrNull(customerKey?.identityObjectID))
                .where("id", .equal, SQLBind(registryID))
                .where("wrapped_data_key", .equal, SQLBind(Data(expected).base64EncodedString()))
                .returning("id").all()
            guard updated.isEmpty else { return }
            let exists = try await database.select().column("id").from("registries")
                .where("id", .equal, SQLBind(registryID)).first() != nil
            throw exists
                ? StoreError(.preconditionFailed, "the data key of registry \(registryID) changed concurrently")
                : StoreError(.notFound, "no registry with id \(registryID)")
        }
    }

    public func updateRegistrySettings(id: String, adminUserEnabled: Bool, sealedAdminPasswords: [UInt8]?,
                                       anonymousPullEnabled: Bool) async throws {
        let updated = try await session { database in
            try await database.update("registries")
                .set("admin_user_enabled", to: SQLBind(adminUserEnabled ? 1 : 0))
                .set("sealed_admin_passwords", to: Self.bindOrNull(sealedAdminPasswords.map { Data($0).base64EncodedString() }))
                .set("anonymous_pull_enabled", to: SQLBind(anonymousPullEnabled ? 1 : 0))
                .where("id", .equal, SQLBind(id)).returning("id").all().count
        }
        guard updated == 1 else { throw StoreError(.notFound, "no registry with id \(id)") }
    }

    @discardableResult
    public func deleteRegistry(id: String) async throws -> Bool {
        try await transaction { database in
            let uploads = database.select().column("id").from("uploads").where("registry_id", .equal, SQLBind(id))
            try await database.delete(from: "upload_parts").where(SQLIdentifier("upload_id"), .in, SQLGroupExpression(uploads.query)).run()
            for table in ["uploads", "tags", "repository_manifests", "manifest_references", "manifests", "repository_blobs",
                          "repositories", "blobs"] {
                try await database.delete(from: table).where("registry_id", .equal, SQLBind(id)).run()
            }
            return try await !database.delete(from: "registries").where("id", .equal, SQLBind(id)).returning("id").all().isEmpty
        }
    }

    // MARK: Blobs

    public func blob(registryID: String, digest: ContentDigest) async throws -> BlobRecord? {
        try await session { database in
            try await database.select().columns("*").from("blobs")
                .where("registry_id", .equal, SQLBind(registryID)).where("digest", .equal, SQLBind(digest.description))
                .first().map(Self.blobRecord)
        }
    }

    public func blobs(registryID: String, after: ContentDigest?, limit: Int) async throws -> [BlobRecord] {
        try await session { database in
            var query = database.select().columns("*").from("blobs").where("registry_id", .equal, SQLBind(registryID))
            if let after { query = query.where("digest", .greaterThan, SQLBind(after.description)) }
            return try await query.orderBy("digest").limit(max(0, limit)).all().map(Self.blobRecord)
        }
    }

    static func blobRecord(_ row: any SQLRow) throws -> BlobRecord {
        let text = try row.decode(column: "digest", as: String.self)
        guard let digest = ContentDigest(text) else { throw StoreError(.unavailable, "stored digest '\(text)' is malformed") }
        return BlobRecord(registryID: try row.decode(column: "registry_id", as: String.self), digest: digest,
                          size: try row.decode(column: "size", as: Int64.self),
                          createdAt: try row.decode(column: "created_at", as: Int64.self))
    }

    // MARK: Plumbing

    /// Runs `body` on one session; a failure to reach or use the database leaves as
    /// `StoreError.unavailable` (``DatabaseFailure``).
    func session<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        do {
            return try await sessions.withSession(body)
        } catch {
            throw DatabaseFailure.mapped(error)
        }
    }

    /// Runs `body` in one transaction on one session; rolls back on any error. A transaction
    /// PostgreSQL chose as a deadlock's victim (or failed to serialize) rolled back whole, so it
    /// runs again, up to three times: every body's steps are idempotent when repeated from the start.
    func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        var attempt = 1
        while true {
            do {
                return try await sessions.withSession { database in
                    try await database.raw("BEGIN").run()
                    do {
                        let result = try await body(database)
                        try await database.raw("COMMIT").run()
                        return result
                    } catch {
                        try? await database.raw("ROLLBACK").run()
                        throw error
                    }
                }
            } catch let error as PSQLError where attempt < 3 && ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "") {
                attempt += 1
            } catch {
                throw DatabaseFailure.mapped(error)
            }
        }
    }

    /// Inserts a row unless a unique key is taken, in which case it throws `.conflict`.
    func insertUnique(into table: String, what: String, _ columns: [(String, (any Encodable & Sendable)?)]) async throws {
        let names = columns.map(\.0)
        let values: [any SQLExpression] = columns.map { column -> any SQLExpression in
            if let value = column.1 { SQLBind(value) } else { SQLLiteral.null }
        }
        let inserted = try await session { database in
            try await database.insert(into: table).columns(names).values(values)
                .ignoringConflicts().returning(SQLIdentifier(names[0])).all().count
        }
        guard inserted == 1 else { throw StoreError(.conflict, "\(what) already exists") }
    }

    static func bytes(_ base64: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: base64) else { throw StoreError(.unavailable, "stored key is not base64") }
        return Array(data)
    }

}
