// kura — a self-hosted encrypted container registry.
// AccessControl: what a principal may do at a scope, from its role assignments (Azure RBAC).

public import KuraCore
public import KuraStorage

/// Loads a principal's role assignments once (``grants(of:)``); the returned ``PrincipalGrants``
/// answers any number of questions about it without further queries.
public struct AccessControl: Sendable {
    let metadata: any MetadataStore

    public init(metadata: any MetadataStore) { self.metadata = metadata }

    /// Everything `principalID` is assigned, ready to evaluate.
    public func grants(of principalID: String) async throws -> PrincipalGrants {
        PrincipalGrants(assignments: try await metadata.roleAssignments(principalID: principalID))
    }
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
