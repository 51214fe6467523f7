// kura — a self-hosted encrypted container registry.
// RoleAssignmentRecord: a role assignment as stored.

public import KuraCore

/// A role assignment: `principalID` holds the role `roleDefinitionID` at `scope` and below.
public struct RoleAssignmentRecord: Sendable, Equatable {
    /// The assignment's name, a GUID chosen by the client.
    public var name: String
    /// The scope as given (a subscription, resource group or resource id).
    public var scope: ResourceID
    /// The role definition's GUID (the last segment of its ARM id), lower-case.
    public var roleDefinitionID: String
    /// Object id of the principal, lower-case.
    public var principalID: String
    /// `ServicePrincipal`, `User`, `Group`, ... as the client declared it.
    public var principalType: String
    /// Object id of whoever created it.
    public var createdBy: String
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64

    public init(name: String, scope: ResourceID, roleDefinitionID: String, principalID: String, principalType: String,
                createdBy: String, createdAt: Int64) {
        self.name = name
        self.scope = scope
        self.roleDefinitionID = roleDefinitionID
        self.principalID = principalID
        self.principalType = principalType
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}
