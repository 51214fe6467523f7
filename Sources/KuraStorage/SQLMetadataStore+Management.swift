// kura — a self-hosted encrypted container registry.
// SQLMetadataStore+Management: ARM resources and role assignments.

import KuraAPI
import Foundation
public import KuraCore
import SQLKit
public import KuraDirectory
public import KuraManagement

extension SQLMetadataStore {
    // MARK: Resources

    public func putResource(_ resource: ResourceRecord) async throws {
        let text = String(decoding: resource.document.serialized(), as: UTF8.self)
        try await session { database in
            try await database.insert(into: "resources")
                .columns("id_key", "id", "subscription_id", "resource_group_key", "type_key", "name_key", "document",
                         "created_at", "updated_at")
                .values(SQLBind(resource.id.key), SQLBind(resource.id.description), SQLBind(resource.id.subscription.lowercased()),
                        SQLBind(resource.id.resourceGroup?.nameKey ?? ""), SQLBind(resource.id.type.lowercased()),
                        SQLBind(resource.id.name.nameKey), SQLBind(text), SQLBind(resource.createdAt), SQLBind(resource.updatedAt))
                .onConflict(with: ["id_key"]) { update in
                    update.set("document", to: SQLBind(text)).set("updated_at", to: SQLBind(resource.updatedAt))
                }
                .run()
        }
    }

    public func insertResource(_ resource: ResourceRecord) async throws -> Bool {
        let text = String(decoding: resource.document.serialized(), as: UTF8.self)
        return try await session { database in
            try await !database.insert(into: "resources")
                .columns("id_key", "id", "subscription_id", "resource_group_key", "type_key", "name_key", "document",
                         "created_at", "updated_at")
                .values(SQLBind(resource.id.key), SQLBind(resource.id.description), SQLBind(resource.id.subscription.lowercased()),
                        SQLBind(resource.id.resourceGroup?.nameKey ?? ""), SQLBind(resource.id.type.lowercased()),
                        SQLBind(resource.id.name.nameKey), SQLBind(text), SQLBind(resource.createdAt), SQLBind(resource.updatedAt))
                .ignoringConflicts(with: ["id_key"])
                .returning("id_key").all().isEmpty
        }
    }

    public func replaceResource(_ resource: ResourceRecord, expected: ResourceRecord) async throws -> Bool {
        let text = String(decoding: resource.document.serialized(), as: UTF8.self)
        return try await session { database in
            try await !database.update("resources")
                .set("document", to: SQLBind(text)).set("updated_at", to: SQLBind(resource.updatedAt))
                .where("id_key", .equal, SQLBind(expected.id.key)).where("updated_at", .equal, SQLBind(expected.updatedAt))
                .where("created_at", .equal, SQLBind(expected.createdAt))
                .returning("id_key").all().isEmpty
        }
    }

    public func deleteResource(_ expected: ResourceRecord) async throws -> Bool {
        try await session { database in
            try await !database.delete(from: "resources").where("id_key", .equal, SQLBind(expected.id.key))
                .where("updated_at", .equal, SQLBind(expected.updatedAt)).where("created_at", .equal, SQLBind(expected.createdAt))
                .returning("id_key").all().isEmpty
        }
    }

    public func resource(id: ResourceID) async throws -> ResourceRecord? {
        try await session { database in
            try await database.select().columns("*").from("resources").where("id_key", .equal, SQLBind(id.key))
                .first().map(Self.resourceRecord)
        }
    }

    public func resources(type: String?, subscription: String, resourceGroup: String?) async throws -> [ResourceRecord] {
        try await session { database in
            var query = database.select().columns("*").from("resources")
                .where("subscription_id", .equal, SQLBind(subscription.lowercased()))
            if let type { query = query.where("type_key", .equal, SQLBind(type.lowercased())) }
            if let resourceGroup { query = query.where("resource_group_key", .equal, SQLBind(resourceGroup.nameKey)) }
            return try await query.orderBy("id_key").all().map(Self.resourceRecord)
        }
    }

    public func resources(type: String, named name: String) async throws -> [ResourceRecord] {
        try await session { database in
            try await database.select().columns("*").from("resources")
                .where("type_key", .equal, SQLBind(type.lowercased())).where("name_key", .equal, SQLBind(name.nameKey))
                .orderBy("id_key").all().map(Self.resourceRecord)
        }
    }

    @discardableResult
    public func deleteResource(id: ResourceID) async throws -> Bool {
        try await session { database in
            try await !database.delete(from: "resources").where("id_key", .equal, SQLBind(id.key)).returning("id_key").all().isEmpty
        }
    }

    static func resourceRecord(_ row: any SQLRow) throws -> ResourceRecord {
        let text = try row.decode(column: "id", as: String.self)
        guard let id = ResourceID(parsing: text) else { throw StoreError(.unavailable, "stored resource id '\(text)' is malformed") }
        let document = try JSONValue(parsing: Array(try row.decode(column: "document", as: String.self).utf8))
        return ResourceRecord(id: id, document: document, createdAt: try row.decode(column: "created_at", as: Int64.self),
                              updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }

    // MARK: Role assignments

    public func insertRoleAssignment(_ assignment: RoleAssignmentRecord) async throws {
        try await insertUnique(into: "role_assignments", what: "role assignment \(assignment.name) (or the same role for the same principal at this scope)", [
            ("name", assignment.name.lowercased()), ("scope", assignment.scope.description), ("scope_key", assignment.scope.key),
            ("role_definition_id", assignment.roleDefinitionID.lowercased()), ("principal_id", assignment.principalID.lowercased()),
            ("principal_type", assignment.principalType), ("created_by", assignment.createdBy), ("created_at", assignment.createdAt),
        ])
    }

    public func roleAssignment(name: String) async throws -> RoleAssignmentRecord? {
        try await roleAssignments(where: "name", name.lowercased()).first
    }

    public func roleAssignments(principalID: String?) async throws -> [RoleAssignmentRecord] {
        try await roleAssignments(where: principalID == nil ? nil : "principal_id", principalID?.lowercased())
    }

    @discardableResult
    public func deleteRoleAssignment(name: String) async throws -> Bool {
        try await session { database in
            try await !database.delete(from: "role_assignments").where("name", .equal, SQLBind(name.lowercased()))
                .returning("name").all().isEmpty
        }
    }

    private func roleAssignments(where column: String?, _ value: String?) async throws -> [RoleAssignmentRecord] {
        try await session { database in
            var query = database.select().columns("*").from("role_assignments")
            if let column, let value { query = query.where(SQLIdentifier(column), .equal, SQLBind(value)) }
            return try await query.orderBy("created_at").orderBy("name").all().map { row in
                let text = try row.decode(column: "scope", as: String.self)
                guard let scope = ResourceID(parsing: text) else {
                    throw StoreError(.unavailable, "stored scope '\(text)' is malformed")
                }
                return RoleAssignmentRecord(
                    name: try row.decode(column: "name", as: String.self), scope: scope,
                    roleDefinitionID: try row.decode(column: "role_definition_id", as: String.self),
                    principalID: try row.decode(column: "principal_id", as: String.self),
                    principalType: try row.decode(column: "principal_type", as: String.self),
                    createdBy: try row.decode(column: "created_by", as: String.self),
                    createdAt: try row.decode(column: "created_at", as: Int64.self))
            }
        }
    }
}
