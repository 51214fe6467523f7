// kura — a self-hosted encrypted container registry.
// SQLMetadataStore+Uploads: upload sessions and their parts.

import KuraCore
import SQLKit
public import KuraRegistry

extension SQLMetadataStore {
    public func insertUpload(_ upload: UploadRecord) async throws {
        try await insertUnique(into: "uploads", what: "upload \(upload.id)", [
            ("id", upload.id), ("registry_id", upload.registryID), ("repository", upload.repository), ("size", upload.size),
            ("part_count", Int64(upload.partCount)), ("created_at", upload.createdAt),
        ])
    }

    public func upload(id: String) async throws -> UploadRecord? {
        try await session { database in
            try await database.select().columns("*").from("uploads").where("id", .equal, SQLBind(id)).first().map(Self.uploadRecord)
        }
    }

    public func appendUploadPart(uploadID: String, expectedSize: Int64, part: UploadPartRecord) async throws -> UploadRecord {
        try await transaction { database in
            let updated = try await database.update("uploads")
                .set("size", to: SQLBind(expectedSize + part.size))
                .set("part_count", to: SQLBind(Int64(part.number)))
                .where("id", .equal, SQLBind(uploadID)).where("size", .equal, SQLBind(expectedSize))
                .where("part_count", .equal, SQLBind(Int64(part.number - 1)))
                .returning("*").all()
            guard let row = updated.first else {
                let exists = try await database.select().column("id").from("uploads").where("id", .equal, SQLBind(uploadID)).first() != nil
                throw exists
                    ? StoreError(.preconditionFailed, "upload \(uploadID) is no longer at offset \(expectedSize)")
                    : StoreError(.notFound, "no upload \(uploadID)")
            }
            try await database.insert(into: "upload_parts").columns("upload_id", "number", "size", "digest")
                .values(SQLBind(uploadID), SQLBind(Int64(part.number)), SQLBind(part.size), SQLBind(part.digest.description)).run()
            return try Self.uploadRecord(row)
        }
    }

    public func uploadParts(uploadID: String) async throws -> [UploadPartRecord] {
        try await session { database in
            try await database.select().columns("*").from("upload_parts").where("upload_id", .equal, SQLBind(uploadID))
                .orderBy("number").all().map { row in
                    UploadPartRecord(number: Int(try row.decode(column: "number", as: Int64.self)),
                                     size: try row.decode(column: "size", as: Int64.self),
                                     digest: try Self.digest(row.decode(column: "digest", as: String.self)))
                }
        }
    }

    @discardableResult
    public func deleteUpload(id: String) async throws -> Bool {
        try await transaction { database in
            try await database.delete(from: "upload_parts").where("upload_id", .equal, SQLBind(id)).run()
            return try await !database.delete(from: "uploads").where("id", .equal, SQLBind(id)).returning("id").all().isEmpty
        }
    }

    public func uploads(startedBefore cutoff: Int64, limit: Int) async throws -> [UploadRecord] {
        try await session { database in
            try await database.select().columns("*").from("uploads").where("created_at", .lessThan, SQLBind(cutoff))
                .orderBy("created_at").orderBy("id").limit(max(0, limit)).all().map(Self.uploadRecord)
        }
    }

    static func uploadRecord(_ row: any SQLRow) throws -> UploadRecord {
        UploadRecord(id: try row.decode(column: "id", as: String.self), registryID: try row.decode(column: "registry_id", as: String.self),
                     repository: try row.decode(column: "repository", as: String.self), size: try row.decode(column: "size", as: Int64.self),
                     partCount: Int(try row.decode(column: "part_count", as: Int64.self)),
                     createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
