// kura — a self-hosted encrypted container registry.
// MemoryDirectoryStore: principals and role assignments in memory, for tests (same contract as the SQL store).

import KuraCore

/// ``DirectoryStore`` in memory, with the SQL store's rows, keys, case rules and orderings.
/// Text matches by its UTF-8 bytes and sorts in byte order, as SQL's `=` and `ORDER BY` do.
/// Every method is synchronous on the actor, so each check and its change are one step.
public actor MemoryDirectoryStore: DirectoryStore {
    /// A `role_assignments` row: name, role and principal lower-cased, the scope as text with its key.
    private struct AssignmentRow {
        var name: String
        var scope: String
        var scopeKey: String
        var roleDefinitionID: String
        var principalID: String
        var principalType: String
        var createdBy: String
        var createdAt: Int64

        func record() throws -> RoleAssignmentRecord {
            guard let parsed = ResourceID(parsing: scope) else { throw StoreError(.unavailable, "stored scope '\(scope)' is malformed") }
            return RoleAssignmentRecord(name: name, scope: parsed, roleDefinitionID: roleDefinitionID, principalID: principalID,
                                        principalType: principalType, createdBy: createdBy, createdAt: createdAt)
        }
    }

    private var principalRows: [PrincipalRecord] = []
    private var assignmentRows: [AssignmentRow] = []

    public init() {}

    // MARK: Principals

    public func insertPrincipal(_ principal: PrincipalRecord) throws {
        let name = principal.userPrincipalName?.lowercased()
        guard !principalRows.contains(where: {
            $0.objectID.sameBytes(principal.objectID) || $0.appID.sameBytes(principal.appID)
                || (name != nil && $0.userPrincipalName?.lowercased() == name)
        }) else {
            throw StoreError(.conflict, "principal \(principal.appID) already exists")
        }
        principalRows.append(principal)
    }

    public func principal(appID: String) -> PrincipalRecord? {
        sortedPrincipals().first { $0.appID.sameBytes(appID) }
    }

    public func principal(userPrincipalName name: String) -> PrincipalRecord? {
        sortedPrincipals().first { $0.userPrincipalName?.lowercased() == name.lowercased() }
    }

    public func principal(objectID: String) -> PrincipalRecord? {
        sortedPrincipals().first { $0.objectID.sameBytes(objectID) }
    }

    /// By creation time, then object id.
    public func principals() -> [PrincipalRecord] {
        sortedPrincipals()
    }

    @discardableResult
    public func deletePrincipal(objectID: String) -> Bool {
        let count = principalRows.count
        principalRows.removeAll { $0.objectID.sameBytes(objectID) }
        return principalRows.count != count
    }

    private func sortedPrincipals() -> [PrincipalRecord] {
        principalRows.sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.objectID.bytesPrecede($1.objectID) }
    }

    // MARK: Role assignments

    public func insertRoleAssignment(_ assignment: RoleAssignmentRecord) throws {
        let row = AssignmentRow(name: assignment.name.lowercased(), scope: assignment.scope.description, scopeKey: assignment.scope.key,
                                roleDefinitionID: assignment.roleDefinitionID.lowercased(),
                                principalID: assignment.principalID.lowercased(), principalType: assignment.principalType,
                                createdBy: assignment.createdBy, createdAt: assignment.createdAt)
        let taken = assignmentRows.contains { other in
            other.name.sameBytes(row.name)
                || (other.scopeKey.sameBytes(row.scopeKey) && other.roleDefinitionID.sameBytes(row.roleDefinitionID)
                    && other.principalID.sameBytes(row.principalID))
        }
        guard !taken else {
            throw StoreError(.conflict,
                             "role assignment \(assignment.name) (or the same role for the same principal at this scope) already exists")
        }
        assignmentRows.append(row)
    }

    public func roleAssignment(name: String) throws -> RoleAssignmentRecord? {
        try assignments { $0.name.sameBytes(name.lowercased()) }.first
    }

    /// By creation time, then name.
    public func roleAssignments(principalID: String?) throws -> [RoleAssignmentRecord] {
        guard let principalID = principalID?.lowercased() else { return try assignments { _ in true } }
        return try assignments { $0.principalID.sameBytes(principalID) }
    }

    @discardableResult
    public func deleteRoleAssignment(name: String) -> Bool {
        let count = assignmentRows.count
        assignmentRows.removeAll { $0.name.sameBytes(name.lowercased()) }
        return assignmentRows.count != count
    }

    private func assignments(where matches: (AssignmentRow) -> Bool) throws -> [RoleAssignmentRecord] {
        try assignmentRows.filter(matches)
            .sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.name.bytesPrecede($1.name) }
            .map { try $0.record() }
    }
}
