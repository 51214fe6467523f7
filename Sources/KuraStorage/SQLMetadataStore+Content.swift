// kura — a self-hosted encrypted container registry.
// SQLMetadataStore+Content: repositories, manifests, tags and referrers.

import Foundation
public import KuraCore
public import KuraRegistry
import SQLKit

extension SQLMetadataStore {
    // MARK: Repositories

    public func linkedBlob(registryID: String, repository: String, digest: ContentDigest) async throws -> BlobRecord? {
        try await session { database in
            try await database.select().columns(SQLColumn(SQLLiteral.all, table: SQLIdentifier("blobs"))).from("blobs")
                .join("repository_blobs", method: SQLJoinMethod.inner, on: SQLBinaryExpression(
                    left: SQLBinaryExpression(left: SQLColumn("registry_id", table: "repository_blobs"), op: SQLBinaryOperator.equal,
                                              right: SQLColumn("registry_id", table: "blobs")),
                    op: SQLBinaryOperator.and,
                    right: SQLBinaryExpression(left: SQLColumn("digest", table: "repository_blobs"), op: SQLBinaryOperator.equal,
                                               right: SQLColumn("digest", table: "blobs"))))
                .where(SQLColumn("registry_id", table: "blobs"), .equal, SQLBind(registryID))
                .where(SQLColumn("repository", table: "repository_blobs"), .equal, SQLBind(repository))
                .where(SQLColumn("digest", table: "blobs"), .equal, SQLBind(digest.description))
                .first().map(Self.blobRecord)
        }
    }

    @discardableResult
    public func repositoryExists(registryID: String, name: String) async throws -> Bool {
        try await session { database in
            try await database.select().column("name").from("repositories").where("registry_id", .equal, SQLBind(registryID))
                .where("name", .equal, SQLBind(name)).first() != nil
        }
    }

    public func repositories(registryID: String, after: String?, limit: Int) async throws -> [String] {
        try await session { database in
            var query = database.select().column("name").from("repositories").where("registry_id", .equal, SQLBind(registryID))
            if let after { query = query.where("name", .greaterThan, SQLBind(after)) }
            return try await query.orderBy("name").limit(max(0, limit)).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    func ensureRepository(_ database: any SQLDatabase, registryID: String, repository: String) async throws {
        try await database.insert(into: "repositories").columns("registry_id", "name", "created_at")
            .values(SQLBind(registryID), SQLBind(repository), SQLBind(clock.milliseconds))
            .ignoringConflicts(with: ["registry_id", "name"]).run()
    }

    // MARK: Manifests and tags

    public func commitManifest(_ manifest: ManifestRecord, references: [ManifestReference], repository: String,
                               tags: [String], requireBlobs: Bool, place: @escaping @Sendable () async throws -> Void) async throws {
        try await transaction { database in
            try await Self.lockObject(database, registryID: manifest.registryID, digest: manifest.digest)
            // Each blob the manifest needs is held against collection from here to the commit and,
            // unless sparse manifests are allowed, must still be in the repository (a delete may
            // have come between the service's check and this transaction).
            let blobs = Set(references.filter { $0.kind == .blob }.map(\.digest)).sorted { $0.description < $1.description }
            for digest in blobs {
                let revived = try await Self.revive(database, registryID: manifest.registryID, digest: digest)
                guard requireBlobs else { continue }
                guard revived, try await Self.isLinked(database, table: "repository_blobs", registryID: manifest.registryID,
                                                       repository: repository, digest: digest) else {
                    throw StoreError(.notFound, "blob \(digest) is not in repository \(repository)")
                }
            }
            for child in Set(references.filter { $0.kind == .manifest }.map(\.digest)) where requireBlobs {
                guard try await Self.isLinked(database, table: "repository_manifests", registryID: manifest.registryID,
                                              repository: repository, digest: child) else {
                    throw StoreError(.notFound, "manifest \(child) is not in repository \(repository)")
                }
            }
            try await place()
            try await self.ensureRepository(database, registryID: manifest.registryID, repository: repository)
            try await database.insert(into: "manifests")
                .columns("registry_id", "digest", "media_type", "size", "artifact_type", "subject", "annotations", "created_at",
                         "os", "architecture")
                .values(SQLBind(manifest.registryID), SQLBind(manifest.digest.description), SQLBind(manifest.mediaType),
                        SQLBind(manifest.size), Self.bindOrNull(manifest.artifactType), Self.bindOrNull(manifest.subject?.description),
                        Self.bindOrNull(manifest.annotations), SQLBind(manifest.createdAt), Self.bindOrNull(manifest.os),
                        Self.bindOrNull(manifest.architecture))
                .ignoringConflicts(with: ["registry_id", "digest"]).run()
            for reference in Set(references) {
                try await database.insert(into: "manifest_references").columns("registry_id", "digest", "child", "kind")
                    .values(SQLBind(manifest.registryID), SQLBind(manifest.digest.description), SQLBind(reference.digest.description),
                            SQLBind(reference.kind.rawValue))
                    .ignoringConflicts(with: ["registry_id", "digest", "child"]).run()
            }
            try await database.insert(into: "repository_manifests").columns("registry_id", "repository", "digest", "created_at")
                .values(SQLBind(manifest.registryID), SQLBind(repository), SQLBind(manifest.digest.description), SQLBind(manifest.createdAt))
                .ignoringConflicts(with: ["registry_id", "repository", "digest"]).run()
            for tag in tags {
                try await database.insert(into: "tags").columns("registry_id", "repository", "name", "digest", "updated_at")
                    .values(SQLBind(manifest.registryID), SQLBind(repository), SQLBind(tag), SQLBind(manifest.digest.description),
                            SQLBind(self.clock.milliseconds))
                    .onConflict(with: ["registry_id", "repository", "name"]) { update in
                        update.set(excludedValueOf: "digest").set(excludedValueOf: "updated_at")
                    }
                    .run()
            }
        }
    }

    public func manifest(registryID: String, repository: String, digest: ContentDigest) async throws -> ManifestRecord? {
        try await session { database in
            guard try await database.select().column("digest").from("repository_manifests")
                .where("registry_id", .equal, SQLBind(registryID)).where("repository", .equal, SQLBind(repository))
                .where("digest", .equal, SQLBind(digest.description)).first() != nil
            else { return nil }
            return try await database.select().columns("*").from("manifests").where("registry_id", .equal, SQLBind(registryID))
                .where("digest", .equal, SQLBind(digest.description)).first().map(Self.manifestRecord)
        }
    }

    @discardableResult
    public func unlinkManifest(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool {
        try await transaction { database in
            try await Self.lockObject(database, registryID: registryID, digest: digest)
            try await database.delete(from: "tags").where("registry_id", .equal, SQLBind(registryID))
                .where("repository", .equal, SQLBind(repository)).where("digest", .equal, SQLBind(digest.description)).run()
            let unlinked = try await !database.delete(from: "repository_manifests").where("registry_id", .equal, SQLBind(registryID))
                .where("repository", .equal, SQLBind(repository)).where("digest", .equal, SQLBind(digest.description))
                .returning("digest").all().isEmpty
            if unlinked { try await Self.dropManifestIfUnlinked(database, registryID: registryID, digest: digest, at: now) }
            return unlinked
        }
    }

    public func tag(registryID: String, repository: String, name: String) async throws -> TagRecord? {
        try await session { database in
            try await database.select().columns("*").from("tags").where("registry_id", .equal, SQLBind(registryID))
                .where("repository", .equal, SQLBind(repository)).where("name", .equal, SQLBind(name)).first().map(Self.tagRecord)
        }
    }

    public func tags(registryID: String, repository: String, after: String?, limit: Int) async throws -> [TagRecord] {
        try await session { database in
            var query = database.select().columns("*").from("tags").where("registry_id", .equal, SQLBind(registryID))
                .where("repository", .equal, SQLBind(repository))
            if let after { query = query.where("name", .greaterThan, SQLBind(after)) }
            return try await query.orderBy("name").limit(max(0, limit)).all().map(Self.tagRecord)
        }
    }

    @discardableResult
    public func deleteTag(registryID: String, repository: String, name: String) async throws -> Bool {
        try await session { database in
            try await !database.delete(from: "tags").where("registry_id", .equal, SQLBind(registryID))
                .where("repository", .equal, SQLBind(repository)).where("name", .equal, SQLBind(name)).returning("name").all().isEmpty
        }
    }

    public func referrers(registryID: String, repository: String, subject: ContentDigest) async throws -> [ManifestRecord] {
        try await session { database in
            let linked = try await database.select().column("digest").from("repository_manifests")
                .where("registry_id", .equal, SQLBind(registryID)).where("repository", .equal, SQLBind(repository)).all()
                .map { try $0.decode(column: "digest", as: String.self) }
            let inRepository = Set(linked)
            return try await database.select().columns("*").from("manifests").where("registry_id", .equal, SQLBind(registryID))
                .where("subject", .equal, SQLBind(subject.description)).orderBy("digest").all()
                .map(Self.manifestRecord).filter { inRepository.contains($0.digest.description) }
        }
    }

    public func repositoryManifests(registryID: String, repository: String, after: ContentDigest?,
                                    limit: Int) async throws -> [RepositoryManifest] {
        try await session { database in
            var links = database.select().columns("digest", "created_at").from("repository_manifests")
                .where("registry_id", .equal, SQLBind(registryID)).where("repository", .equal, SQLBind(repository))
            if let after { links = links.where("digest", .greaterThan, SQLBind(after.description)) }
            let page = try await links.orderBy("digest").limit(max(0, limit)).all()
                .map { (try $0.decode(column: "digest", as: String.self), try $0.decode(column: "created_at", as: Int64.self)) }
            guard !page.isEmpty else { return [] }
            var tagsByDigest: [String: [String]] = [:]
            for row in try await database.select().columns("name", "digest").from("tags").where("registry_id", .equal, SQLBind(registryID))
                .where("repository", .equal, SQLBind(repository)).orderBy("name").all() {
                tagsByDigest[try row.decode(column: "digest", as: String.self), default: []].append(try row.decode(column: "name", as: String.self))
            }
            var found: [RepositoryManifest] = []
            for (digest, linkedAt) in page {
                guard let manifest = try await database.select().columns("*").from("manifests").where("registry_id", .equal, SQLBind(registryID))
                    .where("digest", .equal, SQLBind(digest)).first().map(Self.manifestRecord)
                else { continue }
                let size = try await database.raw("""
                    SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) AS total FROM manifest_references r
                    JOIN blobs b ON b.registry_id = r.registry_id AND b.digest = r.child
                    WHERE r.registry_id = \(bind: registryID) AND r.digest = \(bind: digest) AND r.kind = \(bind: ManifestReference.Kind.blob.rawValue)
                    """).first()?.decode(column: "total", as: Int64.self) ?? 0
                found.append(RepositoryManifest(manifest: manifest, tags: tagsByDigest[digest] ?? [], referencedBlobSize: size, linkedAt: linkedAt))
            }
            return found
        }
    }

    public func deleteRepository(registryID: String, name: String, at now: Int64) async throws -> RepositoryDeletion? {
        try await transaction { database in
            func scoped(_ table: String) -> SQLDeleteBuilder {
                database.delete(from: table).where("registry_id", .equal, SQLBind(registryID)).where("repository", .equal, SQLBind(name))
            }
            let tags = try await scoped("tags").returning("name").all().map { try $0.decode(column: "name", as: String.self) }
            let manifests = try await scoped("repository_manifests").returning("digest").all()
                .map { try Self.digest($0.decode(column: "digest", as: String.self)) }
            let blobs = try await scoped("repository_blobs").returning("digest").all()
                .map { try Self.digest($0.decode(column: "digest", as: String.self)) }
            let existed = try await !database.delete(from: "repositories").where("registry_id", .equal, SQLBind(registryID))
                .where("name", .equal, SQLBind(name)).returning("name").all().isEmpty
            guard existed else { return nil }
            for digest in Set(manifests).sorted(by: { $0.description < $1.description }) {
                try await Self.lockObject(database, registryID: registryID, digest: digest)
                try await Self.dropManifestIfUnlinked(database, registryID: registryID, digest: digest, at: now)
            }
            try await Self.markUnreferenced(database, registryID: registryID, digests: blobs, at: now)
            return RepositoryDeletion(manifests: manifests.sorted { $0.description < $1.description }, tags: tags.sorted(),
                                      blobs: blobs.sorted { $0.description < $1.description })
        }
    }

    // MARK: Rows

    static func manifestRecord(_ row: any SQLRow) throws -> ManifestRecord {
        ManifestRecord(registryID: try row.decode(column: "registry_id", as: String.self),
                       digest: try digest(row.decode(column: "digest", as: String.self)),
                       mediaType: try row.decode(column: "media_type", as: String.self),
                       size: try row.decode(column: "size", as: Int64.self),
                       artifactType: try row.decode(column: "artifact_type", as: String?.self),
                       subject: try row.decode(column: "subject", as: String?.self).map(digest),
                       annotations: try row.decode(column: "annotations", as: String?.self),
                       createdAt: try row.decode(column: "created_at", as: Int64.self),
                       os: try row.decode(column: "os", as: String?.self),
                       architecture: try row.decode(column: "architecture", as: String?.self))
    }

    static func tagRecord(_ row: any SQLRow) throws -> TagRecord {
        TagRecord(name: try row.decode(column: "name", as: String.self), digest: try digest(row.decode(column: "digest", as: String.self)),
                  updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }

    static func digest(_ text: String) throws -> ContentDigest {
        guard let digest = ContentDigest(text) else { throw StoreError(.unavailable, "stored digest '\(text)' is malformed") }
        return digest
    }

    static func bindOrNull(_ value: String?) -> any SQLExpression {
        if let value { SQLBind(value) } else { SQLLiteral.null }
    }
}
