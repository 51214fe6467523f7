// kura — a self-hosted encrypted container registry.
// RoleDefinition: Azure's built-in roles that kura knows, with their real ids and actions.

public import KuraAPI
import Foundation
import KuraCore

/// A role: what its holders may do, as ARM action patterns (`*` matches any run of characters,
/// case-insensitively). Management actions gate ARM calls; data actions gate the Key Vault and
/// registry planes.
public struct RoleDefinition: Sendable, Equatable {
    /// The GUID Azure gives this built-in role (the same in every tenant).
    public let id: String
    public let roleName: String
    public let description: String
    public let actions: [String]
    public let notActions: [String]
    public let dataActions: [String]

    /// Whether the role allows the management action `action` (e.g. `Microsoft.KeyVault/vaults/write`).
    public func allows(action: String) -> Bool {
        actions.contains { Self.matches($0, action) } && !notActions.contains { Self.matches($0, action) }
    }

    /// Whether the role allows the data action `action` (e.g. `Microsoft.KeyVault/vaults/keys/wrap/action`).
    public func allows(dataAction action: String) -> Bool {
        dataActions.contains { Self.matches($0, action) }
    }

    /// The ARM id of this definition in `subscription`.
    public func resourceID(subscription: String) -> String {
        "/subscriptions/\(subscription)/providers/Microsoft.Authorization/roleDefinitions/\(id)"
    }

    /// The definition as ARM serves it.
    public func document(subscription: String) -> JSONValue {
        .object([
            "id": .string(resourceID(subscription: subscription)), "name": .string(id),
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": .object([
                "roleName": .string(roleName), "description": .string(description), "type": "BuiltInRole",
                "assignableScopes": ["/"],
                "permissions": .array([.object([
                    "actions": .array(actions.map { .string($0) }), "notActions": .array(notActions.map { .string($0) }),
                    "dataActions": .array(dataActions.map { .string($0) }), "notDataActions": [],
                ])]),
            ]),
        ])
    }

    /// Glob match, case-insensitive; `*` matches any run of characters, and `/*/` also matches a
    /// single `/` (as in Azure: `userAssignedIdentities/*/assign/action` covers
    /// `userAssignedIdentities/assign/action`).
    static func matches(_ pattern: String, _ action: String) -> Bool {
        globMatches(pattern, action) || (pattern.contains("/*/") && globMatches(pattern.replacingOccurrences(of: "/*/", with: "/"), action))
    }

    private static func globMatches(_ pattern: String, _ action: String) -> Bool {
        let pattern = Array(pattern.lowercased().utf8), text = Array(action.lowercased().utf8)
        var p = 0, t = 0, star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p; mark = t; p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1; t += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}

extension RoleDefinition {
    public static let owner = RoleDefinition(
        id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", roleName: "Owner",
        description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        actions: ["*"], notActions: [], dataActions: [])
    public static let contributor = RoleDefinition(
        id: "b24988ac-6180-42a0-ab88-20f7382dd24c", roleName: "Contributor",
        description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
        actions: ["*"],
        notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"],
        dataActions: [])
    public static let reader = RoleDefinition(
        id: "acdd72a7-3385-48ef-bd42-f606fba81ae7", roleName: "Reader",
        description: "View all resources, but does not allow you to make any changes.",
        actions: ["*/read"], notActions: [], dataActions: [])
    public static let acrPull = RoleDefinition(
        id: "7f951dda-4ed3-4680-a7ca-43fe172d538d", roleName: "AcrPull", description: "acr pull",
        actions: ["Microsoft.ContainerRegistry/registries/pull/read"], notActions: [], dataActions: [])
    public static let acrPush = RoleDefinition(
        id: "8311e382-0749-4cb8-b61a-304f252e45ec", roleName: "AcrPush", description: "acr push",
        actions: ["Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"],
        notActions: [], dataActions: [])
    public static let acrDelete = RoleDefinition(
        id: "c2f4ef07-c644-48eb-af81-4b1b4947fb11", roleName: "AcrDelete", description: "acr delete",
        actions: ["Microsoft.ContainerRegistry/registries/artifacts/delete"], notActions: [], dataActions: [])
    public static let managedIdentityOperator = RoleDefinition(
        id: "f1a07417-d97a-45cb-824c-7a7467783830", roleName: "Managed Identity Operator",
        description: "Read and Assign User Assigned Identity",
        actions: ["Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
                  "Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
                  "Microsoft.Resources/deployments/*", "Microsoft.Support/*"],
        notActions: [], dataActions: [])
    public static let keyVaultCryptoOfficer = RoleDefinition(
        id: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603", roleName: "Key Vault Crypto Officer",
        description: "Perform any action on the keys of a key vault, except manage permissions.",
        actions: ["Microsoft.Authorization/*/read", "Microsoft.Resources/subscriptions/resourceGroups/read",
                  "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read",
                  "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"],
        notActions: [], dataActions: ["Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keyrotationpolicies/*"])
    public static let keyVaultCryptoUser = RoleDefinition(
        id: "12338af0-0e69-4776-bea7-57ae8d297424", roleName: "Key Vault Crypto User",
        description: "Perform cryptographic operations using keys.",
        actions: [], notActions: [],
        dataActions: ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/update/action",
                      "Microsoft.KeyVault/vaults/keys/backup/action", "Microsoft.KeyVault/vaults/keys/encrypt/action",
                      "Microsoft.KeyVault/vaults/keys/decrypt/action", "Microsoft.KeyVault/vaults/keys/wrap/action",
                      "Microsoft.KeyVault/vaults/keys/unwrap/action", "Microsoft.KeyVault/vaults/keys/sign/action",
                      "Microsoft.KeyVault/vaults/keys/verify/action"])
    public static let keyVaultCryptoServiceEncryptionUser = RoleDefinition(
        id: "e147488a-f6f5-4113-8e2d-b22465e65bf6", roleName: "Key Vault Crypto Service Encryption User",
        description: "Read metadata of keys and perform wrap/unwrap operations.",
        actions: ["Microsoft.EventGrid/eventSubscriptions/write", "Microsoft.EventGrid/eventSubscriptions/read",
                  "Microsoft.EventGrid/eventSubscriptions/delete"], notActions: [],
        dataActions: ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/wrap/action",
                      "Microsoft.KeyVault/vaults/keys/unwrap/action"])
    public static let keyVaultReader = RoleDefinition(
        id: "21090545-7ca7-4776-b22c-e363652d74d2", roleName: "Key Vault Reader",
        description: "Read metadata of key vaults and its certificates, keys, and secrets.",
        actions: ["Microsoft.Authorization/*/read", "Microsoft.Resources/subscriptions/resourceGroups/read",
                  "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read",
                  "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"],
        notActions: [],
        dataActions: ["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"])

    /// Every role kura knows, in the order ARM lists them.
    public static let builtIn: [RoleDefinition] = [
        .owner, .contributor, .reader, .acrPull, .acrPush, .acrDelete, .managedIdentityOperator, .keyVaultCryptoOfficer, .keyVaultCryptoUser,
        .keyVaultCryptoServiceEncryptionUser, .keyVaultReader,
    ]

    /// The built-in role with this GUID (any case).
    public static func builtIn(id: String) -> RoleDefinition? {
        let wanted = id.lowercased()
        return builtIn.first { $0.id == wanted }
    }

    /// The built-in role with this name (any case, as az's `--role AcrPull`).
    public static func builtIn(named name: String) -> RoleDefinition? {
        let wanted = name.lowercased()
        return builtIn.first { $0.roleName.lowercased() == wanted }
    }
}
