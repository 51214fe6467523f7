// kura — a self-hosted encrypted container registry.
// DirectoryModels: the main host's answers about the installation — subscription, cloud metadata, principals.

/// `GET /subscriptions[/{id}]`: the installation's one subscription (listed only for a caller
/// with a role in it).
public struct Subscription: Codable, Sendable, Equatable {
    public struct Policies: Codable, Sendable, Equatable {
        public var locationPlacementId, quotaId, spendingLimit: String
    }

    /// `/subscriptions/{subscriptionId}`.
    public var id, subscriptionId, displayName, state, tenantId, authorizationSource: String
    public var managedByTenants: [String]
    public var subscriptionPolicies: Policies

    /// The installation's subscription, `Enabled`, named `kura`.
    public static func installation(_ subscriptionID: String, tenant: String) -> Subscription {
        Subscription(id: "/subscriptions/\(subscriptionID)", subscriptionId: subscriptionID, displayName: "kura", state: "Enabled",
                     tenantId: tenant, authorizationSource: "RoleBased", managedByTenants: [],
                     subscriptionPolicies: Policies(locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01",
                                                    spendingLimit: "Off"))
    }
}

/// `GET /metadata/endpoints`: the cloud document `az cloud register` reads (suffixes carry the port).
public struct CloudMetadata: Codable, Sendable, Equatable {
    public struct Authentication: Codable, Sendable, Equatable {
        public var loginEndpoint: String
        public var audiences: [String]
        public var tenant, identityProvider: String
    }

    public struct Suffixes: Codable, Sendable, Equatable {
        /// `vault.<host>:<port>` and `cr.<host>:<port>`.
        public var keyVaultDns, acrLoginServer: String

        public init(keyVaultDns: String, acrLoginServer: String) {
            self.keyVaultDns = keyVaultDns
            self.acrLoginServer = acrLoginServer
        }
    }

    public var name, resourceManager, portal, microsoftGraphResourceId, graphAudience: String
    public var authentication: Authentication
    public var suffixes: Suffixes

    /// The document of an installation whose main host is `main` (`https://host:port`).
    public static func installation(main: String, tenant: String, managementAudience: String, graphAudience: String,
                                    suffixes: Suffixes) -> CloudMetadata {
        CloudMetadata(name: "kura", resourceManager: main + "/", portal: main + "/", microsoftGraphResourceId: graphAudience,
                      graphAudience: graphAudience,
                      authentication: Authentication(loginEndpoint: main + "/", audiences: [managementAudience], tenant: tenant,
                                                     identityProvider: "AAD"),
                      suffixes: suffixes)
    }
}

/// `POST /directory/v1/servicePrincipals` (201): a new principal and its secret, shown once.
public struct CreatedServicePrincipal: Codable, Sendable, Equatable {
    public var appId, objectId, displayName, password, tenant: String

    public static func of(appId: String, objectId: String, displayName: String, password: String, tenant: String) -> CreatedServicePrincipal {
        CreatedServicePrincipal(appId: appId, objectId: objectId, displayName: displayName, password: password, tenant: tenant)
    }
}

/// A directory user as Microsoft Graph v1.0 answers it (`POST/GET /v1.0/users`): what `az ad
/// user create/show/list` print.
public struct GraphUser: Codable, Sendable, Equatable {
    /// Always `#microsoft.graph.user`.
    public var odataType: String
    /// The object id.
    public var id: String
    public var displayName, userPrincipalName: String
    /// Always `true` (kura has no disabled users).
    public var accountEnabled: Bool
    /// Always `[]`.
    public var businessPhones: [String]

    public static func of(objectID: String, displayName: String, userPrincipalName: String) -> GraphUser {
        GraphUser(odataType: "#microsoft.graph.user", id: objectID, displayName: displayName, userPrincipalName: userPrincipalName,
                  accountEnabled: true, businessPhones: [])
    }

    enum CodingKeys: String, CodingKey {
        case odataType = "@odata.type", id, displayName, userPrincipalName, accountEnabled, businessPhones
    }
}
