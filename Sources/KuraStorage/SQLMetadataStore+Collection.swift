// kura — a self-hosted encrypted container registry.
// SQLMetadataStore+Collection: blob bytes placed and collected without racing (docs/garbage-collection.md).

import Foundation
public import KuraCore
import SQLKit
public import KuraRegistry

/// The rules that make collection race-free by construction:
/// 1. Bytes reach their final path only inside ``commitBlob(_:repository:place:)`` or
///    ``commitManifest(_:references:repository:tags:requireBlobs:place:)``: one transaction that
///    holds the digest's lock, places the bytes and records the row.
/// 2. Every step that makes a blob needed again (a link, a manifest reference) clears the row's
///    `unreferenced_at` in its own transaction, and fails if the row is gone.
/// 3. A blob is collected only by ``collectBlob(registryID:digest:unreferencedBefore:remove:)``:
///    under the digest's lock, one conditional DELETE (unreferenced since before the cutoff, no
///    link, no reference, no manifest of that digest), and the bytes are removed before that
///    transaction commits.
/// On SQLite every transaction runs alone (one connection), so the lock is the transaction; on
/// PostgreSQL it is a transaction-scoped advisory lock on the registry and digest, and rule 2's
/// UPDATE holds the row against a concurrent DELETE, which re-checks `unreferenced_at` after it.
extension SQLMetadataStore {
    public func commitBlob(_ blob: BlobRecord, repository: String, place: @escaping @Sendable () async throws -> Void) async throws {
        try await transaction { database in
            try await Self.lockObject(database, registryID: blob.registryID, digest: blob.digest)
            try await place()
            try await database.insert(into: "blobs").columns("registry_id", "digest", "size", "created_at", "unreferenced_at")
                .values(SQLBind(blob.registryID), SQLBind(blob.digest.description), SQLBind(blob.size), SQLBind(blob.createdAt),
                        SQLLiteral.null)
                .onConflict(with: ["registry_id", "digest"]) { update in update.set("unreferenced_at", to: SQLLiteral.null) }
                .run()
            try await self.ensureRepository(database, registryID: blob.registryID, repository: repository)
            try await Self.insertLink(database, registryID: blob.registryID, repository: repository, digest: blob.digest)
        }
    }

    public func linkBlob(registryID: String, repository: String, digest: ContentDigest) async throws {
        try await transaction { database in
            guard try await Self.revive(database, registryID: registryID, digest: digest) else {
                throw StoreError(.notFound, "blob \(digest) is not recorded")
            }
            try await self.ensureRepository(database, registryID: registryID, repository: repository)
            try await Self.insertLink(database, registryID: registryID, repository: repository, digest: digest)
        }
    }

    public func unlinkBlob(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool {
        try await transaction { database in
            let unlinked = try await !database.delete(from: "repository_blobs").where("registry_id", .equal, SQLBind(registryID))
                .where("repository", .equal, SQLBind(repository)).where("digest", .equal, SQLBind(digest.description))
                .returning("digest").all().isEmpty
            if unlinked { try await Self.markUnreferenced(database, registryID: registryID, digests: [digest], at: now) }
            return unlinked
        }
    }

    public func collectableBlobs(unreferencedBefore cutoff: Int64, limit: Int) async throws -> [(registryID: String, digest: ContentDigest)] {
        try await session { database in
            try await database.select().columns("registry_id", "digest").from("blobs")
                .where(SQLColumn("unreferenced_at"), .isNot, SQLLiteral.null).where("unreferenced_at", .lessThan, SQLBind(cutoff))
                .orderBy("unreferenced_at").limit(max(0, limit)).all()
                .map { (try $0.decode(column: "registry_id", as: String.self), try Self.digest($0.decode(column: "digest", as: String.self))) }
        }
    }

    public func collectBlob(registryID: String, digest: ContentDigest, unreferencedBefore cutoff: Int64,
                            remove: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await transaction { database in
            try await Self.lockObject(database, registryID: registryID, digest: digest)
            let deleted = try await database.raw("""
                DELETE FROM blobs WHERE registry_id = \(bind: registryID) AND digest = \(bind: digest.description)
                  AND unreferenced_at IS NOT NULL AND unreferenced_at < \(bind: cutoff)
                  AND NOT EXISTS (SELECT 1 FROM repository_blobs l WHERE l.registry_id = blobs.registry_id AND l.digest = blobs.digest)
                  AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.registry_id = blobs.registry_id AND r.child = blobs.digest)
                  AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.registry_id = blobs.registry_id AND m.digest = blobs.digest)
                RETURNING digest
                """).all()
            guard !deleted.isEmpty else {
                // Marked, but needed after all (a reference the mark did not see): unmark it, so it
                // is no candidate again until it is unreferenced anew.
                try await database.raw("""
                    UPDATE blobs SET unreferenced_at = NULL
                    WHERE registry_id = \(bind: registryID) AND digest = \(bind: digest.description) AND unreferenced_at < \(bind: cutoff)
                      AND (EXISTS (SELECT 1 FROM repository_blobs l WHERE l.registry_id = blobs.registry_id AND l.digest = blobs.digest)
                        OR EXISTS (SELECT 1 FROM manifest_references r WHERE r.registry_id = blobs.registry_id AND r.child = blobs.digest)
                        OR EXISTS (SELECT 1 FROM manifests m WHERE m.registry_id = blobs.registry_id AND m.digest = blobs.digest))
                    """).run()
                return false
            }
            // Before the commit: if removing fails, the row stays and the next pass tries again.
            try await remove()
            return true
        }
    }

    // MARK: Shared steps

    /// Serializes the placing and collecting of one object (see the rules above).
    static func lockObject(_ database: any SQLDatabase, registryID: String, digest: ContentDigest) async throws {
        try await advisoryLock(database, key: registryID + "/" + digest.description)
    }

    /// A PostgreSQL advisory lock on `key` held until the transaction ends; nothing on SQLite, where
    /// transactions run one at a time anyway.
    static func advisoryLock(_ database: any SQLDatabase, key: String) async throws {
        guard database.dialect.name == "postgresql" else { return }
        try await database.raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: key), 0))").run()
    }

    /// Marks a recorded blob as needed again; false when no row exists (never recorded, or collected).
    static func revive(_ database: any SQLDatabase, registryID: String, digest: ContentDigest) async throws -> Bool {
        try await !database.update("blobs").set("unreferenced_at", to: SQLLiteral.null)
            .where("registry_id", .equal, SQLBind(registryID)).where("digest", .equal, SQLBind(digest.description))
            .returning("digest").all().isEmpty
    }

    /// Stamps `now` on each of `digests` that nothing links or references any more (and that
    /// carries no earlier stamp); the collector takes it once the grace period has passed.
    static func markUnreferenced(_ database: any SQLDatabase, registryID: String, digests: [ContentDigest], at now: Int64) async throws {
        for digest in Set(digests).sorted(by: { $0.description < $1.description }) {
            try await database.raw("""
                UPDATE blobs SET unreferenced_at = \(bind: now)
                WHERE registry_id = \(bind: registryID) AND digest = \(bind: digest.description) AND unreferenced_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM repository_blobs l WHERE l.registry_id = blobs.registry_id AND l.digest = blobs.digest)
                  AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.registry_id = blobs.registry_id AND r.child = blobs.digest)
                """).run()
        }
    }

    /// Whether `table` (`repository_blobs` or `repository_manifests`) links `digest` into `repository`.
    static func isLinked(_ database: any SQLDatabase, table: String, registryID: String, repository: String,
                         digest: ContentDigest) async throws -> Bool {
        try await database.select().column("digest").from(table).where("registry_id", .equal, SQLBind(registryID))
            .where("repository", .equal, SQLBind(repository)).where("digest", .equal, SQLBind(digest.description)).first() != nil
    }

    static func insertLink(_ database: any SQLDatabase, registryID: String, repository: String, digest: ContentDigest) async throws {
        try await database.insert(into: "repository_blobs").columns("registry_id", "repository", "digest")
            .values(SQLBind(registryID), SQLBind(repository), SQLBind(digest.description))
            .ignoringConflicts(with: ["registry_id", "repository", "digest"]).run()
    }

    /// Removes the manifest `digest` when no repository links it any more: its row and its
    /// references go, and the blobs only it referenced are marked unreferenced.
    static func dropManifestIfUnlinked(_ database: any SQLDatabase, registryID: String, digest: ContentDigest, at now: Int64) async throws {
        guard try await database.select().column("digest").from("repository_manifests")
            .where("registry_id", .equal, SQLBind(registryID)).where("digest", .equal, SQLBind(digest.description))
            .limit(1).first() == nil else { return }
        let children = try await database.delete(from: "manifest_references").where("registry_id", .equal, SQLBind(registryID))
            .where("digest", .equal, SQLBind(digest.description)).returning("child", "kind").all()
        try await database.delete(from: "manifests").where("registry_id", .equal, SQLBind(registryID))
            .where("digest", .equal, SQLBind(digest.description)).run()
        let blobs = try children.filter { try $0.decode(column: "kind", as: String.self) == ManifestReference.Kind.blob.rawValue }
            .map { try Self.digest($0.decode(column: "child", as: String.self)) }
        try await markUnreferenced(database, registryID: registryID, digests: blobs, at: now)
    }
}
