// kura — a self-hosted encrypted container registry.
// MetadataSchema: the ordered schema migrations, written once for SQLite and PostgreSQL.

import SQLKit

/// One schema step. Versions are dense and only ever appended; an applied step never changes.
struct MetadataMigration: Sendable {
    let version: Int
    let name: String
    let apply: @Sendable (any SQLDatabase) async throws -> Void
}

enum MetadataSchema {
    static let migrations: [MetadataMigration] = [
        MetadataMigration(version: 1, name: "principals, registries, blobs") { database in
            try await database.create(table: "principals")
                .column("object_id", type: .text, .primaryKey(autoIncrement: false))
                .column("app_id", type: .text, .notNull, .unique)
                .column("display_name", type: .text, .notNull)
                .column("kind", type: .text, .notNull)
                .column("secret_hash", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await database.create(table: "registries")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("name", type: .text, .notNull)
                .column("name_key", type: .text, .notNull, .unique)
                .column("wrapped_data_key", type: .text, .notNull)
                .column("key_generation", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await database.create(table: "blobs")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("registry_id", "digest")
                .run()
        },
    ]
}
