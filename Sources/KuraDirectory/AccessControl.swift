// kura — a self-hosted encrypted container registry.
// AccessControl: what a principal may do at a scope, from its role assignments (Azure RBAC).

public import KuraCore

/// The role assignments of the installation: kept here, evaluated here. Loads a principal's
/// assignments once (``grants(of:)``); the returned ``PrincipalGrants`` answers any number of
/// questions about it without further queries.
public struct AccessControl: Sendable {
    let store: any DirectoryStore

    public init(store: any DirectoryStore) { self.store = store }

    /// Everything `principalID` is assigned, ready to evaluate.
    public func grants(of principalID: String) async throws -> PrincipalGrants {
        PrincipalGrants(assignments: try await store.roleAssignments(principalID: principalID))
    }

    // MARK: Assignments (the management plane's role-assignment resource writes through these)

    /// - Throws: `StoreError.conflict` when the name exists, or the principal already holds the role at the scope.
    public func assign(_ assignment: RoleAssignmentRecord) async throws { try await store.insertRoleAssignment(assignment) }
    public func assignment(name: String) async throws -> RoleAssignmentRecord? { try await store.roleAssignment(name: name) }
    /// Every assignment, or those of one principal, by creation time.
    public func assignments(principalID: String?) async throws -> [RoleAssignmentRecord] {
        try await store.roleAssignments(principalID: principalID)
    }
    /// - Returns: whether the assignment existed.
    @discardableResult public func removeAssignment(name: String) async throws -> Bool { try await store.deleteRoleAssignment(name: name) }
}

/// A principal's role assignments. A role assigned at a scope holds at that scope and every scope
/// below it (subscription → resource group → resource → child), as in Azure RBAC.
public struct PrincipalGrants: Sendable {
    public let assignments: [RoleAssignmentRecord]

    public init(assignments: [RoleAssignmentRecord]) { self.assignments = assignments }

    /// The roles held at `scope` (inherited ones included), without duplicates, in assignment order.
    public func roles(at scope: ResourceID) -> [RoleDefinition] {
        var roles: [RoleDefinition] = []
        for assignment in assignments where scope.isWithin(assignment.scope) {
            if let role = RoleDefinition.builtIn(id: assignment.roleDefinitionID), !roles.contains(role) { roles.append(role) }
        }
        return roles
    }

    /// Whether the management `action` (e.g. `Microsoft.KeyVault/vaults/write`) is allowed at `scope`.
    public func allows(action: String, at scope: ResourceID) -> Bool {
        roles(at: scope).contains { $0.allows(action: action) }
    }

    /// Whether the data `action` (e.g. `Microsoft.KeyVault/vaults/keys/wrap/action`) is allowed at `scope`.
    public func allows(dataAction action: String, at scope: ResourceID) -> Bool {
        roles(at: scope).contains { $0.allows(dataAction: action) }
    }
}
