// kura — a self-hosted encrypted container registry.
// MetadataSchema: the ordered schema migrations, written once for SQLite and PostgreSQL.

import Foundation
import SQLKit

/// One schema step. Versions are dense and only ever appended; an applied step never changes.
struct MetadataMigration: Sendable {
    let version: Int
    let name: String
    let apply: @Sendable (any SQLDatabase) async throws -> Void
}

enum MetadataSchema {
    static let migrations: [MetadataMigration] = [
        MetadataMigration(version: 1, name: "principals, registries, content, uploads") { database in
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
                .column("admin_user_enabled", type: .bigint, .notNull)
                .column("sealed_admin_passwords", type: .text)
                .column("anonymous_pull_enabled", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await database.create(table: "blobs")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("registry_id", "digest")
                .run()
            try await database.create(table: "repositories")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("name", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("registry_id", "name")
                .run()
            try await database.create(table: "repository_blobs")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("repository", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .primaryKey("registry_id", "repository", "digest")
                .run()
            try await database.create(table: "manifests")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("digest", type: .text, .notNull)
                .column("media_type", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("artifact_type", type: .text)
                .column("subject", type: .text)
                .column("annotations", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("registry_id", "digest")
                .run()
            try await database.create(index: "manifests_by_subject").on("manifests").column("registry_id").column("subject").run()
            try await database.create(table: "manifest_references")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("digest", type: .text, .notNull)
                .column("child", type: .text, .notNull)
                .column("kind", type: .text, .notNull)
                .primaryKey("registry_id", "digest", "child")
                .run()
            try await database.create(index: "manifest_references_by_child").on("manifest_references")
                .column("registry_id").column("child").run()
            try await database.create(table: "repository_manifests")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("repository", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("registry_id", "repository", "digest")
                .run()
            try await database.create(table: "tags")
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("repository", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .primaryKey("registry_id", "repository", "name")
                .run()
            try await database.create(table: "uploads")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("registry_id", type: .text, .notNull, .references("registries", "id", onDelete: .cascade))
                .column("repository", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("part_count", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await database.create(table: "upload_parts")
                .column("upload_id", type: .text, .notNull, .references("uploads", "id", onDelete: .cascade))
                .column("number", type: .bigint, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("digest", type: .text, .notNull)
                .primaryKey("upload_id", "number")
                .run()
        },
        MetadataMigration(version: 2, name: "ARM resources, role assignments") { database in
            try await database.create(table: "resources")
                .column("id_key", type: .text, .primaryKey(autoIncrement: false))
                .column("id", type: .text, .notNull)
                .column("subscription_id", type: .text, .notNull)
                .column("resource_group_key", type: .text, .notNull)
                .column("type_key", type: .text, .notNull)
                .column("name_key", type: .text, .notNull)
                .column("document", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await database.create(index: "resources_by_type_and_name").on("resources").column("type_key").column("name_key").run()
            try await database.create(index: "resources_by_group").on("resources")
                .column("subscription_id").column("resource_group_key").run()
            try await database.create(table: "role_assignments")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("scope", type: .text, .notNull)
                .column("scope_key", type: .text, .notNull)
                .column("role_definition_id", type: .text, .notNull)
                .column("principal_id", type: .text, .notNull)
                .column("principal_type", type: .text, .notNull)
                .column("created_by", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await database.create(index: "role_assignments_unique_grant").unique().on("role_assignments")
                .column("scope_key").column("role_definition_id").column("principal_id").run()
            try await database.create(index: "role_assignments_by_principal").on("role_assignments").column("principal_id").run()
        },
        MetadataMigration(version: 3, name: "vault keys, key versions, vault audit log") { database in
            try await database.create(table: "vault_keys")
                .column("vault", type: .text, .notNull)
                .column("name_key", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("current_version", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("deleted_at", type: .bigint)
                .column("scheduled_purge_at", type: .bigint)
                .primaryKey("vault", "name_key")
                .run()
            try await database.create(table: "vault_key_versions")
                .column("vault", type: .text, .notNull)
                .column("name_key", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .column("document", type: .text, .notNull)
                .column("sealed_private_key", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("vault", "name_key", "version")
                .run()
            try await database.create(table: "vault_audit")
                .column("vault", type: .text, .notNull)
                .column("sequence", type: .bigint, .notNull)
                .column("entry", type: .text, .notNull)
                .column("hash", type: .text, .notNull)
                .primaryKey("vault", "sequence")
                .run()
        },
        MetadataMigration(version: 4, name: "customer-managed key binding of registries") { database in
            // One column per statement: SQLite's ALTER TABLE adds one at a time.
            for column in ["cmk_key_identifier", "cmk_versioned_key_id", "cmk_identity"] {
                try await database.alter(table: "registries").column(column, type: .text).run()
            }
        },
        MetadataMigration(version: 5, name: "platform of image manifests") { database in
            for column in ["os", "architecture"] {
                try await database.alter(table: "manifests").column(column, type: .text).run()
            }
        },
        MetadataMigration(version: 6, name: "unreferenced blobs wait for collection") { database in
            // When the blob last lost every link and reference (Unix ms); NULL while anything needs it.
            try await database.alter(table: "blobs").column("unreferenced_at", type: .bigint).run()
            // Before this version a manifest no repository linked any more stayed, with its references,
            // and kept its blobs forever: such manifests go now, and the blobs nothing needs any more
            // wait for collection from now on.
            for table in ["manifest_references", "manifests"] {
                try await database.raw("""
                    DELETE FROM \(ident: table) WHERE NOT EXISTS (SELECT 1 FROM repository_manifests m
                        WHERE m.registry_id = \(ident: table).registry_id AND m.digest = \(ident: table).digest)
                    """).run()
            }
            try await database.raw("""
                UPDATE blobs SET unreferenced_at = \(bind: Int64(Date().timeIntervalSince1970 * 1000))
                WHERE NOT EXISTS (SELECT 1 FROM repository_blobs l WHERE l.registry_id = blobs.registry_id AND l.digest = blobs.digest)
                  AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.registry_id = blobs.registry_id AND r.child = blobs.digest)
                """).run()
        },
        MetadataMigration(version: 7, name: "directory users") { database in
            // A user's sign-in name as given, and lower-cased for the unique index (NULL for other kinds).
            for column in ["user_principal_name", "user_principal_name_key"] {
                try await database.alter(table: "principals").column(column, type: .text).run()
            }
            try await database.create(index: "principals_user_principal_name_key").unique().on("principals")
                .column("user_principal_name_key").run()
        },
    ]
}
