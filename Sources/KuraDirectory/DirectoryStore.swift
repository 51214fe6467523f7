// kura — a self-hosted encrypted container registry.
// DirectoryStore: what the login plane keeps — principals and role assignments.

import KuraCore

/// The login plane's records: principals (service principals, managed identities) and the role
/// assignments evaluated for them.
/// Every method is atomic; the contract suites in `Tests/KuraStorageTests` run against the
/// in-memory implementation and `SQLMetadataStore` on SQLite and PostgreSQL alike.
public protocol DirectoryStore: Sendable {
    // MARK: Principals

    /// - Throws: `.conflict` when the object id, app id or user principal name (without case) exists.
    func insertPrincipal(_ principal: PrincipalRecord) async throws
    func principal(appID: String) async throws -> PrincipalRecord?
    /// The user whose user principal name is `name`, without case.
    func principal(userPrincipalName name: String) async throws -> PrincipalRecord?
    func principal(objectID: String) async throws -> PrincipalRecord?
    /// All principals, by creation time then object id.
    func principals() async throws -> [PrincipalRecord]
    /// - Returns: whether the principal existed.
    @discardableResult func deletePrincipal(objectID: String) async throws -> Bool

    // MARK: Role assignments

    /// - Throws: `.conflict` when the name exists, or the principal already holds the role at the scope.
    func insertRoleAssignment(_ assignment: RoleAssignmentRecord) async throws
    func roleAssignment(name: String) async throws -> RoleAssignmentRecord?
    /// Every assignment, or those of one principal, by creation time.
    func roleAssignments(principalID: String?) async throws -> [RoleAssignmentRecord]
    /// - Returns: whether the assignment existed.
    @discardableResult func deleteRoleAssignment(name: String) async throws -> Bool
}
