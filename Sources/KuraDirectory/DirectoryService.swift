// kura — a self-hosted encrypted container registry.
// DirectoryService: who the principals are and the tokens they get (no HTTP).

import Foundation
import KuraCrypto
public import KuraCore

extension Optional {
    /// `flatMap` with an async transform.
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The directory of one installation (one tenant): authenticates service principals by client
/// secret and issues access tokens for the installation's resources.
public struct DirectoryService: Sendable {
    let store: any DirectoryStore
    public let authority: TokenAuthority
    public let endpoints: InstallationEndpoints
    let clock: any WallClock
    /// The principal (object id) of a user-assigned identity, from its ARM id (`mi_res_id`); the
    /// management plane answers it.
    let identityPrincipal: @Sendable (ResourceID) async throws -> String?
    /// Users' failed sign-ins (``DirectoryUsers``).
    let signIns = SignInThrottle()
    /// Where passwords are hashed and checked.
    let passwordChecks = PasswordChecks()
    /// Authorization codes not yet redeemed (``AuthorizationCodeGrant``).
    let codes = AuthorizationCodes()

    public init(store: any DirectoryStore, authority: TokenAuthority, endpoints: InstallationEndpoints,
                clock: any WallClock = SystemClock(),
                identityPrincipal: @escaping @Sendable (ResourceID) async throws -> String?) {
        self.store = store
        self.authority = authority
        self.endpoints = endpoints
        self.clock = clock
        self.identityPrincipal = identityPrincipal
    }

    // MARK: Principals

    public func principal(objectID: String) async throws -> PrincipalRecord? { try await store.principal(objectID: objectID) }
    public func principal(appID: String) async throws -> PrincipalRecord? { try await store.principal(appID: appID) }
    /// All principals, by creation time then object id.
    public func principals() async throws -> [PrincipalRecord] { try await store.principals() }
    /// Records a principal another plane made (a managed identity).
    /// - Throws: `StoreError.conflict` when its object id or app id is taken.
    public func add(_ principal: PrincipalRecord) async throws { try await store.insertPrincipal(principal) }
    /// - Returns: whether the principal existed.
    @discardableResult public func removePrincipal(objectID: String) async throws -> Bool {
        try await store.deletePrincipal(objectID: objectID)
    }

    /// An issued token and what it is for.
    public struct IssuedToken: Sendable {
        public let accessToken: String
        /// Client id of the principal the token is for.
        public let appID: String
        public let audience: String
        /// Seconds until expiry.
        public let expiresIn: Int
        /// When it was issued, Unix seconds (its `not_before`; `expires_on` is this + `expiresIn`).
        public let issuedAt: Int
    }

    /// The `client_credentials` grant.
    /// - Parameters:
    ///   - tenant: the tenant segment of the token endpoint path.
    ///   - resource: `scope` (v2, `<resource>/.default`) or `resource` (v1).
    /// - Throws: ``DirectoryError`` in Azure AD's terms (unknown tenant, client, secret, resource).
    public func clientCredentials(tenant: String, clientID: String?, clientSecret: String?, resource: String?,
                                  version: TokenAuthority.Version) async throws -> IssuedToken {
        guard tenant.lowercased() == authority.tenantID else {
            throw DirectoryError(.tenantNotFound, "Tenant '\(tenant)' not found. This installation's tenant is \(authority.tenantID).")
        }
        guard let clientID, !clientID.isEmpty else {
            throw DirectoryError(.invalidRequest, "The request body must contain the following parameter: 'client_id'.")
        }
        guard let resource, !resource.isEmpty else {
            let name = version == .v2 ? "scope" : "resource"
            throw DirectoryError(.invalidRequest, "The request body must contain the following parameter: '\(name)'.")
        }
        if version == .v2, !resource.hasSuffix("/.default") {
            throw DirectoryError(.invalidScope, "The provided value for the input parameter 'scope' is not valid. The scope \(resource) is not valid; client credentials need '<resource>/.default'.")
        }
        guard let principal = try await store.principal(appID: clientID.lowercased()), principal.kind == .servicePrincipal else {
            throw DirectoryError(.unknownClient, "Application with identifier '\(clientID)' was not found in the directory '\(authority.tenantID)'.")
        }
        guard let clientSecret, let stored = principal.secretHash, SecretHash.verify(clientSecret, against: stored) else {
            throw DirectoryError(.invalidClientSecret, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(clientID)'.")
        }
        return try await issue(to: principal, resource: resource, version: version)
    }

    /// The managed-identity grant: a token for the identity named by its client id, object id, or
    /// the ARM id of its `userAssignedIdentities` resource (`mi_res_id`).
    /// - Throws: ``DirectoryError`` `.identityNotFound`, `.invalidResource`.
    public func managedIdentityToken(clientID: String?, objectID: String?, resourceID: String? = nil,
                                     resource: String) async throws -> IssuedToken {
        let found: PrincipalRecord?
        if let clientID {
            found = try await store.principal(appID: clientID.lowercased())
        } else if let objectID {
            found = try await store.principal(objectID: objectID.lowercased())
        } else if let resourceID {
            let principal = try await ResourceID(parsing: resourceID).asyncFlatMap { try await identityPrincipal($0) }
            found = try await principal.asyncFlatMap { try await store.principal(objectID: $0) }
        } else {
            let identities = try await store.principals().filter { $0.kind == .managedIdentity }
            found = identities.count == 1 ? identities[0] : nil
        }
        guard let identity = found, identity.kind == .managedIdentity else {
            throw DirectoryError(.identityNotFound, "No managed identity matches client_id=\(clientID ?? "-") object_id=\(objectID ?? "-") mi_res_id=\(resourceID ?? "-").")
        }
        return try await issue(to: identity, resource: resource, version: .v1)
    }

    /// A new service principal with a fresh secret (returned once; stored only as a salted hash).
    public func createServicePrincipal(displayName: String) async throws -> (PrincipalRecord, secret: String) {
        guard !displayName.isEmpty, displayName.count <= 120 else {
            throw DirectoryError(.invalidRequest, "displayName must be 1-120 characters.")
        }
        let secret = SecretHash.generateSecret()
        let principal = PrincipalRecord(objectID: UUID().uuidString.lowercased(), appID: UUID().uuidString.lowercased(),
                                        displayName: displayName, kind: .servicePrincipal, secretHash: SecretHash.make(secret),
                                        createdAt: clock.milliseconds)
        try await store.insertPrincipal(principal)
        return (principal, secret)
    }

    /// A token for `principal` (also used by the managed-identity endpoint).
    public func issue(to principal: PrincipalRecord, resource: String, version: TokenAuthority.Version) async throws -> IssuedToken {
        guard let audience = endpoints.audience(forResource: resource) else {
            throw DirectoryError(.invalidResource, "The resource principal named \(resource) was not found in the tenant named \(authority.tenantID). Known resources: \(endpoints.allAudiences.joined(separator: ", ")).")
        }
        let issuedAt = Int(clock.milliseconds / 1000)
        let token = try await authority.issue(objectID: principal.objectID, appID: principal.appID, audience: audience, version: version)
        return IssuedToken(accessToken: token, appID: principal.appID, audience: audience, expiresIn: TokenAuthority.lifetime,
                           issuedAt: issuedAt)
    }
}
