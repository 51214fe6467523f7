// kura — a self-hosted encrypted container registry.
// PrincipalRecord: a directory principal as stored.

/// A directory principal: a service principal (the bootstrap admin included) or a managed identity.
public struct PrincipalRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case servicePrincipal
        case managedIdentity
    }

    /// Directory object id (the token's `oid`).
    public var objectID: String
    /// Application (client) id (the token's `appid`); unique.
    public var appID: String
    public var displayName: String
    public var kind: Kind
    /// Salted hash of the client secret (``SecretHash``); nil for identities that have none.
    public var secretHash: String?
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64

    public init(objectID: String, appID: String, displayName: String, kind: Kind, secretHash: String?, createdAt: Int64) {
        self.objectID = objectID
        self.appID = appID
        self.displayName = displayName
        self.kind = kind
        self.secretHash = secretHash
        self.createdAt = createdAt
    }
}
