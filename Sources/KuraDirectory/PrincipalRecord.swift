// kura — a self-hosted encrypted container registry.
// PrincipalRecord: a directory principal as stored.

/// A directory principal: a service principal (the bootstrap admin included), a managed
/// identity, or a user (a person, who signs in with a user principal name and a password).
public struct PrincipalRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case servicePrincipal
        case managedIdentity
        case user
    }

    /// Directory object id (the token's `oid`).
    public var objectID: String
    /// Application (client) id (the token's `appid`); unique. A user has no application: its
    /// object id stands here.
    public var appID: String
    public var displayName: String
    public var kind: Kind
    /// Salted hash of the client secret (``SecretHash``) or, for a user, of its password
    /// (``PasswordHash``); nil for identities that have none.
    public var secretHash: String?
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64
    /// A user's sign-in name (`alice@contoso.com`, kept as given; unique without case); nil for
    /// every other kind.
    public var userPrincipalName: String?

    public init(objectID: String, appID: String, displayName: String, kind: Kind, secretHash: String?, createdAt: Int64,
                userPrincipalName: String? = nil) {
        self.objectID = objectID
        self.appID = appID
        self.displayName = displayName
        self.kind = kind
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.userPrincipalName = userPrincipalName
    }
}
