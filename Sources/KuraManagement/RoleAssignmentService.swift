// kura — a self-hosted encrypted container registry.
// RoleAssignmentService: Microsoft.Authorization role assignments and (built-in) role definitions.

public import KuraAPI
import Foundation
public import KuraCore
public import KuraDirectory

/// Role assignments at subscription, resource group and resource scope, as ARM serves them
/// (`{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`), and the read-only
/// built-in role definitions.
public struct RoleAssignmentService: Sendable {
    let environment: ManagementEnvironment
    /// Where assignments are kept and evaluated (the login plane).
    let access: AccessControl
    /// Who the principals are.
    let directory: DirectoryService

    public init(environment: ManagementEnvironment, access: AccessControl, directory: DirectoryService) {
        self.environment = environment
        self.access = access
        self.directory = directory
    }

    /// Creates an assignment. Creating the same assignment again under the same name answers
    /// 200 with it.
    /// - Throws: ``ManagementError``: `InvalidRoleAssignmentId`, `RoleDefinitionDoesNotExist`,
    ///   `PrincipalNotFound`, `RoleAssignmentExists` (same role and principal under another name),
    ///   `RoleAssignmentUpdateNotPermitted` (the name exists with other content).
    public func put(scope: ResourceID, name: String, body: JSONValue, caller: ManagementCaller) async throws -> (JSONValue, created: Bool) {
        guard UUID(uuidString: name) != nil else {
            throw ManagementError(status: 400, code: "InvalidRoleAssignmentId",
                                  "The role assignment ID '\(name)' is not valid. The role assignment ID must be a GUID.")
        }
        let properties = body.member(caseInsensitive: "properties") ?? .object([:])
        guard let definitionText = properties.member(caseInsensitive: "roleDefinitionId")?.stringValue,
              let definition = RoleDefinition.builtIn(id: String(definitionText.split(separator: "/").last ?? "")) else {
            throw ManagementError(status: 400, code: "RoleDefinitionDoesNotExist", "The specified role definition with ID '\(properties.member(caseInsensitive: "roleDefinitionId")?.stringValue ?? "")' does not exist.")
        }
        guard let principalID = properties.member(caseInsensitive: "principalId")?.stringValue?.lowercased(),
              try await directory.principal(objectID: principalID) != nil else {
            throw ManagementError(status: 400, code: "PrincipalNotFound",
                                  "Principal \(properties.member(caseInsensitive: "principalId")?.stringValue ?? "(none)") does not exist in the directory \(environment.tenantID). Check that you have the correct principal ID.")
        }
        let principalType = properties.member(caseInsensitive: "principalType")?.stringValue ?? "ServicePrincipal"
        if let existing = try await access.assignment(name: name) {
            guard existing.scope == scope, existing.roleDefinitionID == definition.id, existing.principalID == principalID else {
                throw ManagementError(status: 409, code: "RoleAssignmentUpdateNotPermitted",
                                      "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
            }
            return (document(existing), false)
        }
        let record = RoleAssignmentRecord(name: name.lowercased(), scope: scope, roleDefinitionID: definition.id, principalID: principalID,
                                          principalType: principalType, createdBy: caller.objectID, createdAt: environment.now())
        do {
            try await access.assign(record)
        } catch let error as StoreError where error.code == .conflict {
            throw ManagementError(status: 409, code: "RoleAssignmentExists", "The role assignment already exists.")
        }
        return (document(record), true)
    }

    /// The assignment `name` at exactly `scope`.
    /// - Throws: `RoleAssignmentNotFound`.
    public func get(scope: ResourceID, name: String) async throws -> RoleAssignmentRecord {
        guard let record = try await access.assignment(name: name), record.scope == scope else {
            throw ManagementError(status: 404, code: "RoleAssignmentNotFound", "The role assignment '\(name)' is not found.")
        }
        return record
    }

    /// Deletes `name` at `scope`; returns it, or nil when there was none (ARM answers 204).
    public func delete(scope: ResourceID, name: String) async throws -> RoleAssignmentRecord? {
        guard let record = try await access.assignment(name: name), record.scope == scope else { return nil }
        try await access.removeAssignment(name: name)
        return record
    }

    /// Assignments that apply at `scope` (at it or above it) and, unless `atScope()` is asked
    /// for, those below it too; narrowed by `principalId eq '…'` / `assignedTo('…')`.
    public func list(scope: ResourceID, filter: ODataFilter) async throws -> [RoleAssignmentRecord] {
        let principal = filter.value(of: "principalId") ?? filter.clauses.lazy.compactMap { clause -> String? in
            if case .assignedTo(let id) = clause { id } else { nil }
        }.first
        return try await access.assignments(principalID: principal).filter { assignment in
            scope.isWithin(assignment.scope) || (!filter.hasAtScope && assignment.scope.isWithin(scope))
        }
    }

    /// Removes every assignment whose scope is `id` or inside it (the resource is being deleted).
    public func deleteAll(within id: ResourceID) async throws {
        for assignment in try await access.assignments(principalID: nil) where assignment.scope.isWithin(id) {
            try await access.removeAssignment(name: assignment.name)
        }
    }

    /// Built-in definitions, optionally narrowed by `roleName eq '…'`.
    public func definitions(filter: ODataFilter) -> [RoleDefinition] {
        guard let name = filter.value(of: "roleName") else { return RoleDefinition.builtIn }
        return RoleDefinition.builtIn(named: name).map { [$0] } ?? []
    }

    /// The assignment as ARM serves it.
    public func document(_ record: RoleAssignmentRecord) -> JSONValue {
        let time = JSONValue.string(Timestamp.iso8601(record.createdAt))
        return .object([
            "id": .string("\(record.scope.description)/providers/Microsoft.Authorization/roleAssignments/\(record.name)"),
            "name": .string(record.name), "type": "Microsoft.Authorization/roleAssignments",
            "properties": .object([
                "roleDefinitionId": .string("/subscriptions/\(environment.subscriptionID)/providers/Microsoft.Authorization/roleDefinitions/\(record.roleDefinitionID)"),
                "principalId": .string(record.principalID), "principalType": .string(record.principalType),
                "scope": .string(record.scope.description), "condition": .null, "conditionVersion": .null,
                "createdOn": time, "updatedOn": time, "createdBy": .string(record.createdBy), "updatedBy": .string(record.createdBy),
                "delegatedManagedIdentityResourceId": .null, "description": .null,
            ]),
        ])
    }
}
