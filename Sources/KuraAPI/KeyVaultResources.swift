// kura — a self-hosted encrypted container registry.
// KeyVaultResources: Microsoft.KeyVault as ARM serves it — vaults, deleted vaults, access policy changes.

/// `Microsoft.KeyVault/vaults`, served as stored.
public typealias KeyVault = ARMResource<VaultProperties>

/// A vault's properties. Soft delete is always on; retention is fixed at creation; purge
/// protection, once on, stays on.
public struct VaultProperties: Codable, Sendable, Equatable {
    /// This installation's tenant.
    public var tenantId: String
    public var sku: VaultSku
    /// At most 1024.
    public var accessPolicies: [AccessPolicyEntry]
    /// Always `true`.
    public var enableSoftDelete: Bool
    /// 7–90 (default 90).
    public var softDeleteRetentionInDays: Int
    /// `true`, or absent (never `false`).
    public var enablePurgeProtection: Bool?
    public var enableRbacAuthorization, enabledForDeployment, enabledForDiskEncryption, enabledForTemplateDeployment: Bool
    /// As the client last gave it (kura does not enforce a vault's network rules, so it keeps them as
    /// given; a `null` from a PUT is kept); by default
    /// `{"bypass":"AzureServices","defaultAction":"Allow","ipRules":[],"virtualNetworkRules":[]}`.
    @AlwaysEncoded public var networkAcls: JSONValue?
    /// Always `Enabled`.
    public var publicNetworkAccess: String
    /// `https://<name, lower-cased>.<vault DNS suffix>/`.
    public var vaultUri: String
    /// `Succeeded`; `Creating`/`Updating` while a write is in flight, `Failed` after a failed recovery.
    public var provisioningState: String
}

public struct VaultSku: Codable, Sendable, Equatable {
    /// `family` is always `A`; `name` is `standard` or `premium` (lower-cased).
    public var family, name: String
}

/// One access policy. Tenant and object id are lower-cased; permission names are kept as written.
public struct AccessPolicyEntry: Codable, Sendable, Equatable {
    public var tenantId, objectId: String
    /// Present when the policy was given one.
    public var applicationId: String?
    public var permissions: AccessPolicyPermissions
}

/// Each kind is present only when the policy names it (possibly as `[]`).
public struct AccessPolicyPermissions: Codable, Sendable, Equatable {
    public var keys, secrets, certificates, storage: [String]?
}

// MARK: Deleted vaults

/// `Microsoft.KeyVault/deletedVaults` (id `/subscriptions/{s}/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}`).
/// The stored record also keeps the vault's last document (`properties.kuraVault`, for recovery):
/// never served, so not here.
public typealias DeletedVault = ARMProxyResource<DeletedVaultProperties>

public struct DeletedVaultProperties: Codable, Sendable, Equatable {
    /// The vault's ARM id and location when it was deleted.
    public var vaultId, location: String
    /// ISO 8601; the purge date is the deletion plus the vault's retention.
    public var deletionDate, scheduledPurgeDate: String
    public var tags: [String: String]
    /// Whether purge is refused until `scheduledPurgeDate`.
    public var purgeProtectionEnabled: Bool
}

// MARK: Access policy changes

/// The answer to `PUT …/vaults/{v}/accessPolicies/{add|replace|remove}`: `name` is the operation
/// (lower-cased), `id` the vault's id with `/accessPolicies/{name}`; the vault's whole new list.
public typealias VaultAccessPolicyChange = ARMProxyResource<VaultAccessPolicyProperties>

public struct VaultAccessPolicyProperties: Codable, Sendable, Equatable {
    public var accessPolicies: [AccessPolicyEntry]
}

// MARK: Keys

/// `Microsoft.KeyVault/vaults/keys`: a vault's key as ARM serves it — its current version, without
/// key material. `location` is the vault's, `tags` the key's (`{}` when it has none).
public struct VaultKeyResource: Codable, Sendable, Equatable {
    /// `{vault id}/keys/{name}`; `type` is `Microsoft.KeyVault/vaults/keys`.
    public var id, name, type, location: String
    public var tags: [String: String]
    public var properties: VaultKeyProperties
}

public struct VaultKeyProperties: Codable, Sendable, Equatable {
    /// Key Vault's attributes (Unix seconds), with `recoveryLevel`.
    public var attributes: KeyAttributes
    /// `RSA`, `RSA-HSM`, `EC` or `EC-HSM`.
    public var kty: String
    public var keyOps: [String]
    /// Bits, RSA keys only.
    public var keySize: Int?
    /// `P-256`, `P-384` or `P-521`, EC keys only.
    public var curveName: String?
    /// `https://{vault host}/keys/{name}`, and the same with `/{version}` of the current version.
    public var keyUri, keyUriWithVersion: String
}
