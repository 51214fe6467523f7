// kura — a self-hosted encrypted container registry.
// ARMResources: the management plane's common shapes — envelopes, lists, groups, identities, roles.

// MARK: Envelopes

/// Who made and last changed a tracked resource. Times are ISO 8601 (UTC, milliseconds); the
/// `…By` members are object ids, the `…ByType` ones always `Application`. `created…` never change.
public struct SystemData: Codable, Sendable, Equatable {
    public var createdBy, createdByType, createdAt, lastModifiedBy, lastModifiedByType, lastModifiedAt: String
}

/// A tracked resource: identities, vaults, resource groups. Registries (`sku`, `identity`) have
/// their own struct.
public struct ARMResource<Properties: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// `id` keeps the spelling of the creating request; `type` that of the last write's path;
    /// `location` cannot change once set.
    public var id, name, type, location: String
    /// At most 50; `{}` when none.
    public var tags: [String: String]
    public var systemData: SystemData
    public var properties: Properties
    /// What manages the resource: resource groups only, when the last PUT named it (a PATCH keeps
    /// it); absent otherwise.
    public var managedBy: String?
}

/// An untracked resource: no location, tags or systemData (role assignments and definitions,
/// deleted vaults, a vault's access policy change).
public struct ARMProxyResource<Properties: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var id, name, type: String
    public var properties: Properties
}

/// One page of a list (ARM; Graph's lists have the same shape and never a next page).
public struct ARMList<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// At most the server's page size (100).
    public var value: [Item]
    /// The next page (an absolute URL carrying `$skiptoken`): written only when more items remain.
    public var nextLink: String?

    public init(value: [Item], nextLink: String? = nil) {
        self.value = value
        self.nextLink = nextLink
    }
}

/// An item of `GET …/resources`: the common members of any resource, without `properties`. Each
/// optional member is present exactly when the resource's document has it.
public struct GenericResource: Codable, Sendable, Equatable {
    public var id, name, type: String
    /// Absent only for deleted vaults (listed at subscription scope, under their own type).
    public var location: String?
    public var tags: [String: String]?
    /// Only registries carry a top-level SKU (a vault's is in its properties).
    public var sku: RegistrySku?
    public var identity: ManagedServiceIdentity?
    /// No kura resource writes one.
    public var kind: String?
    public var systemData: SystemData?
}

/// A `checkNameAvailability` answer (vaults, registries).
public struct NameAvailability: Codable, Sendable, Equatable {
    public var nameAvailable: Bool
    /// `AccountNameInvalid` / `Invalid` / `AlreadyExists`, with a sentence; both absent when the name is free.
    public var reason, message: String?
}

// MARK: Resource groups

/// `Microsoft.Resources/resourceGroups`, served as stored.
public typealias ResourceGroup = ARMResource<ResourceGroupProperties>

public struct ResourceGroupProperties: Codable, Sendable, Equatable {
    /// Always `Succeeded`: a group is written in one step.
    public var provisioningState: String
}

// MARK: Managed identities

/// `Microsoft.ManagedIdentity/userAssignedIdentities`.
public typealias UserAssignedIdentity = ARMResource<UserAssignedIdentityProperties>

public struct UserAssignedIdentityProperties: Codable, Sendable, Equatable {
    /// This installation's tenant.
    public var tenantId: String
    /// The identity's directory principal: object id and app id, lower-case GUIDs fixed at creation.
    public var principalId, clientId: String
    /// Always `None`.
    public var isolationScope: String
}

/// A resource's `identity` (registries). `type` is `None` (then alone), `SystemAssigned`,
/// `UserAssigned` or `SystemAssigned, UserAssigned`.
public struct ManagedServiceIdentity: Codable, Sendable, Equatable {
    public var type: String
    /// The system-assigned principal (kept for the resource's lifetime) and this installation's
    /// tenant: present exactly when `type` includes `SystemAssigned`.
    public var principalId, tenantId: String?
    /// By identity resource id (as the identity's record spells it): present and non-empty exactly
    /// when `type` includes `UserAssigned`.
    public var userAssignedIdentities: [String: UserAssignedIdentityReference]?
}

/// An assigned identity's principal, copied from its resource.
public struct UserAssignedIdentityReference: Codable, Sendable, Equatable {
    public var principalId, clientId: String
}

// MARK: Authorization

/// `Microsoft.Authorization/roleAssignments`: `name` is a lower-case GUID; `id` is
/// `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
public typealias RoleAssignment = ARMProxyResource<RoleAssignmentProperties>

public struct RoleAssignmentProperties: Codable, Sendable, Equatable {
    /// `/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
    public var roleDefinitionId: String
    /// Lower-case object id; `principalType` as the creator gave it (default `ServicePrincipal`).
    public var principalId, principalType: String
    /// A subscription, group or resource id.
    public var scope: String
    /// Assignments never change: both times are the creation's (ISO 8601), both `…By` its caller.
    public var createdOn, updatedOn, createdBy, updatedBy: String
    // Always written, always `null`: kura has no conditions, delegations or descriptions.
    @AlwaysEncoded public var condition: String?
    @AlwaysEncoded public var conditionVersion: String?
    @AlwaysEncoded public var delegatedManagedIdentityResourceId: String?
    @AlwaysEncoded public var description: String?
}

/// `Microsoft.Authorization/roleDefinitions` (built-in only): `name` is the role's GUID.
public typealias RoleDefinitionResource = ARMProxyResource<RoleDefinitionProperties>

public struct RoleDefinitionProperties: Codable, Sendable, Equatable {
    /// `type` is always `BuiltInRole`.
    public var roleName, description, type: String
    /// Always `["/"]`.
    public var assignableScopes: [String]
    /// Always one entry.
    public var permissions: [RolePermission]
}

/// Action patterns (`*` matches any run, case-insensitively); `notDataActions` is always empty.
public struct RolePermission: Codable, Sendable, Equatable {
    public var actions, notActions, dataActions, notDataActions: [String]
}

// MARK: Microsoft Graph

/// A principal as `/v1.0/servicePrincipals` and `directoryObjects/getByIds` answer (in an
/// ``ARMList`` without `nextLink`). `servicePrincipalType` is `Application` or `ManagedIdentity`.
public struct GraphServicePrincipal: Codable, Sendable, Equatable {
    /// Always `#microsoft.graph.servicePrincipal`.
    public var odataType: String
    public var id, appId, displayName, servicePrincipalType, appOwnerOrganizationId: String
    /// Always `[appId]`.
    public var servicePrincipalNames: [String]

    /// A principal of this installation's directory (`tenant`).
    public static func of(objectID: String, appID: String, displayName: String, managedIdentity: Bool, tenant: String) -> GraphServicePrincipal {
        GraphServicePrincipal(odataType: "#microsoft.graph.servicePrincipal", id: objectID, appId: appID, displayName: displayName,
                              servicePrincipalType: managedIdentity ? "ManagedIdentity" : "Application", appOwnerOrganizationId: tenant,
                              servicePrincipalNames: [appID])
    }

    enum CodingKeys: String, CodingKey {
        case odataType = "@odata.type", id, appId, displayName, servicePrincipalType, appOwnerOrganizationId, servicePrincipalNames
    }
}
