// kura — a self-hosted encrypted container registry.
// ContainerRegistryResources: Microsoft.ContainerRegistry/registries as ARM serves it, and its actions' answers.

/// `Microsoft.ContainerRegistry/registries`: the stored document plus the customer key's live state.
public struct ContainerRegistry: Codable, Sendable, Equatable {
    public var id, name, type, location: String
    public var tags: [String: String]
    public var systemData: SystemData
    public var sku: RegistrySku
    /// Absent until a write names one (then kept until a write replaces it).
    public var identity: ManagedServiceIdentity?
    public var properties: RegistryProperties
}

public struct RegistrySku: Codable, Sendable, Equatable {
    /// `Basic`, `Standard` or `Premium`; `tier` always equals `name`.
    public var name, tier: String
}

public struct RegistryProperties: Codable, Sendable, Equatable {
    /// `<name, lower-cased>.<registry login suffix>`.
    public var loginServer: String
    /// ISO 8601, fixed at creation.
    public var creationDate: String
    /// `Succeeded`; `Creating`/`Updating` while a write is in flight, `Failed` after a failed recovery.
    public var provisioningState: String
    public var adminUserEnabled, anonymousPullEnabled: Bool
    /// Always `Enabled`, `AzureServices` and `Disabled`.
    public var publicNetworkAccess, networkRuleBypassOptions, zoneRedundancy: String
    /// Always `false`.
    public var dataEndpointEnabled: Bool
    /// Always `[]`.
    public var dataEndpointHostNames: [String]
    /// Always `[]`: kura has no private endpoints.
    public var privateEndpointConnections: [PrivateEndpointConnectionReference]
    /// ACR's policies: `quarantinePolicy`, `trustPolicy`, `retentionPolicy`, `exportPolicy` (defaults
    /// merged with what was stored and what the request sent, each `status` lower-cased), and any
    /// other policy az sends (`softDeletePolicy`, `azureADAuthenticationAsArmPolicy`), kept as given:
    /// none is enforced yet, so kura keeps them free-form rather than drop what a client set.
    public var policies: JSONValue
    public var encryption: RegistryEncryption
}

/// ARM's private endpoint connection, of which only the id is modelled (kura never writes one).
public struct PrivateEndpointConnectionReference: Codable, Sendable, Equatable {
    public var id: String
}

/// Chosen at creation: `{"status":"disabled"}`, or `enabled` with the key (Premium only).
public struct RegistryEncryption: Codable, Sendable, Equatable {
    /// `enabled` or `disabled`.
    public var status: String
    /// Present exactly when `status` is `enabled`.
    public var keyVaultProperties: RegistryKeyVaultProperties?
}

/// The customer-managed key and the identity that reaches it.
public struct RegistryKeyVaultProperties: Codable, Sendable, Equatable {
    /// `https://<vault host>/keys/<name>[/<version>]`, rebuilt from the request's key URL.
    public var keyIdentifier: String
    /// The key version the data key is wrapped with; `null` until the plane has wrapped it.
    @AlwaysEncoded public var versionedKeyIdentifier: String?
    /// A user-assigned identity's client id, or `system`.
    public var identity: String
    /// `true` for a versionless key (the newest version is followed).
    public var keyRotationEnabled: Bool
    /// ISO 8601 of the last rotation; `null` before the first.
    @AlwaysEncoded public var lastKeyRotationTimestamp: String?
    /// Whether the identity can use the key now (stored `true`, then the last check's answer).
    public var keyAccessible: Bool
    /// The vault's last refusal; `null` when there is none.
    @AlwaysEncoded public var lastKeyError: String?
}

// MARK: Actions

/// The answer to `listCredentials` and `regenerateCredential`.
public struct RegistryCredentials: Codable, Sendable, Equatable {
    /// The admin user: the registry's name.
    public var username: String
    /// `password` then `password2`.
    public var passwords: [RegistryPassword]
}

public struct RegistryPassword: Codable, Sendable, Equatable {
    public var name, value: String
}
