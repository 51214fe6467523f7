// kura — a self-hosted encrypted container registry.
// VaultContext / VaultCaller: the vault a request addresses and who sends it.

public import KuraAPI
import Foundation
public import KuraCore
public import KuraDirectory

/// A vault as the Key Vault plane needs it, read from its ARM resource for each request (so a
/// policy change applies to the very next call).
public struct VaultContext: Sendable {
    /// The vault's name, lower-case.
    public let name: String
    public let resourceID: ResourceID
    public let location: String
    public let accessPolicies: [JSONValue]
    public let rbacAuthorization: Bool
    public let retentionDays: Int64
    public let purgeProtection: Bool
    /// `https://{name}.{vault suffix}[:port]`, no trailing slash: the prefix of every `kid`.
    public let baseURL: String
    /// The request's audit entry, written with the change it makes (nil: not audited, e.g. the purge job).
    public var audit: AuditLog.Pending?

    /// - Parameters: `id` and `document`: the vault's ARM resource.
    public init(id: ResourceID, document: JSONValue, baseURL: String) {
        let properties = document["properties"]
        name = id.name.lowercased()
        resourceID = id
        location = document["location"]?.stringValue ?? "local"
        accessPolicies = properties?["accessPolicies"]?.arrayValue ?? []
        rbacAuthorization = properties?["enableRbacAuthorization"]?.boolValue ?? false
        retentionDays = properties?["softDeleteRetentionInDays"]?.integerValue ?? 90
        purgeProtection = properties?["enablePurgeProtection"]?.boolValue ?? false
        self.baseURL = baseURL
    }

    /// Key Vault's `recoveryLevel` for keys of this vault.
    public var recoveryLevel: String {
        let prefix = retentionDays < 90 ? "CustomizedRecoverable" : "Recoverable"
        return purgeProtection ? prefix : prefix + "+Purgeable"
    }
}

/// The caller of a Key Vault request: the token's principal and its role assignments.
public struct VaultCaller: Sendable {
    public let objectID: String
    public let appID: String
    /// The client's address, for the audit log.
    public let address: String
    public let grants: PrincipalGrants

    public init(objectID: String, appID: String, address: String, grants: PrincipalGrants) {
        self.objectID = objectID.lowercased()
        self.appID = appID
        self.address = address
        self.grants = grants
    }
}

/// Who may do what in a vault: its access policies (by the caller's object id, Azure's
/// permission names, `all` for everything) or, on an RBAC vault, the caller's role assignments.
public enum VaultAuthorization {
    /// - Throws: 403 `Forbidden` (innererror `AccessDenied`) naming the missing permission, or —
    ///   authorized by the management plane — any operation but create, get and list.
    public static func check(_ route: KeyVaultRoute, caller: VaultCaller, vault: VaultContext,
                             authorizedBy authorization: KeyVaultService.Authorization = .vault) throws {
        switch (authorization, route) {
        case (.vault, _): break
        case (.management, .create), (.management, .get), (.management, .list): return
        case (.management, _):
            throw KeyVaultError.forbidden("The management plane may only create, read and list keys; '\(route.auditName)' needs the vault's own API.",
                                          inner: "AccessDenied")
        }
        if vault.rbacAuthorization {
            guard caller.grants.allows(dataAction: route.dataAction, at: vault.resourceID) else {
                throw KeyVaultError.forbidden("Caller is not authorized to perform action on resource. If role assignments, deny assignments or role definitions were changed recently, please observe propagation time. Caller: appid=\(caller.appID);oid=\(caller.objectID) Action: '\(route.dataAction)' Resource: '\(vault.resourceID.description.lowercased())'",
                                              inner: "ForbiddenByRbac")
            }
            return
        }
        let wanted = route.permission.lowercased()
        // An entry naming an application too (a compound identity) applies only when the caller
        // acts through that application (a user's token carries its client's app id).
        let allowed = vault.accessPolicies.contains { entry in
            entry["objectId"]?.stringValue?.lowercased() == caller.objectID
                && (entry["applicationId"]?.stringValue.map { $0.lowercased() == caller.appID.lowercased() } ?? true)
                && (entry["permissions"]?["keys"]?.arrayValue ?? []).contains {
                    let name = $0.stringValue?.lowercased()
                    return name == wanted || name == "all"
                }
        }
        guard allowed else {
            throw KeyVaultError.forbidden("The user, group or application 'appid=\(caller.appID);oid=\(caller.objectID)' does not have keys \(route.permission) permission on key vault '\(vault.name);location=\(vault.location)'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
                                          inner: "AccessDenied")
        }
    }
}
