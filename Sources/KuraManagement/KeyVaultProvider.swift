// kura — a self-hosted encrypted container registry.
// KeyVaultProvider: Microsoft.KeyVault/vaults — properties, access policies, soft delete, recovery.

public import KuraAPI
import Foundation
public import KuraCore
import KuraDirectory
public import KuraKeyVault

/// Key vaults as ARM manages them. Soft delete is always on (`enableSoftDelete: false` is
/// refused), purge protection can never be switched off once on, retention is 7–90 days and
/// fixed at creation. Deleting a vault moves it to the deleted vaults
/// (``DeletedVaultProvider``), from where a PUT with `createMode: recover` brings it back.
public struct KeyVaultProvider: ResourceProvider, VaultDirectory {
    public static let type = "Microsoft.KeyVault/vaults"
    public var resourceType: String { Self.type }
    public var wireModel: any Codable.Type { KeyVault.self }
    public var namesAreGlobal: Bool { true }
    let store: any ManagementStore
    let environment: ManagementEnvironment
    /// Where policy changes are announced (the registries' customer-managed keys listen).
    let events: VaultEventBus

    public init(store: any ManagementStore, environment: ManagementEnvironment, events: VaultEventBus) {
        self.store = store
        self.environment = environment
        self.events = events
    }

    public func vault(named name: String) async throws -> VaultContext? {
        guard let resource = try await store.resources(type: Self.type, named: name).first else { return nil }
        return context(of: resource)
    }

    /// The stored vault `id` names, for a child of it (its access policies, its keys).
    /// - Throws: `ResourceGroupNotFound`, then `ResourceNotFound`.
    static func record(_ id: ResourceID, in store: any ManagementStore) async throws -> ResourceRecord {
        guard let vault = try await store.resource(id: id) else {
            if let group = id.resourceGroup, try await store.resource(id: ResourceID(subscription: id.subscription, resourceGroup: group)) == nil {
                throw ManagementError.resourceGroupNotFound(group)
            }
            throw ManagementError.resourceNotFound(type: type, name: id.name, group: id.resourceGroup)
        }
        return vault
    }

    /// The vault `resource` as the Key Vault plane works with it.
    func context(of resource: ResourceRecord) -> VaultContext {
        VaultContext(id: resource.id, document: resource.document,
                     baseURL: "https://\(resource.id.name.lowercased()).\(environment.endpoints.vaultDNSSuffix)")
    }

    public func vaultExists(named name: String) async throws -> Bool {
        if try await !store.resources(type: Self.type, named: name).isEmpty { return true }
        return try await !store.resources(type: DeletedVaultProvider.type, named: name).isEmpty
    }

    /// Vault names: 3–24 letters, digits and `-`, starting with a letter, ending with a letter or
    /// digit, no `--`.
    public static func isValidName(_ name: String) -> Bool {
        (3...24).contains(name.count) && name.first?.isLetter == true && (name.last?.isLetter == true || name.last?.isNumber == true)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } && !name.contains("--")
    }

    public func nameConflict(_ name: String) async throws -> ManagementError? {
        if try await !store.resources(type: Self.type, named: name).isEmpty {
            return ManagementError(status: 409, code: "VaultAlreadyExists",
                                   "The vault name '\(name)' is already in use. Vault names are globally unique in this installation.")
        }
        return nil
    }

    public func prepare(_ id: ResourceID, body: JSONValue, base: JSONValue, existing: ResourceRecord?,
                        caller: ManagementCaller) async throws -> JSONValue {
        guard Self.isValidName(id.name) else {
            throw ManagementError(status: 400, code: "VaultNameNotValid",
                                  "The vault name '\(id.name)' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.")
        }
        let requested = body.member(caseInsensitive: "properties") ?? .object([:])
        let createMode = requested.member(caseInsensitive: "createMode")?.stringValue?.lowercased() ?? "default"
        let deleted = try await DeletedVaultProvider.find(id.name, store: store)
        if existing == nil, let deleted {
            guard createMode == "recover" else {
                throw ManagementError(status: 409, code: "ConflictError",
                                      "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault.")
            }
            return try recovered(deleted, id: id, base: base)
        }
        if createMode == "recover", existing == nil {
            throw ManagementError(status: 404, code: "DeletedVaultNotFound", "No deleted vault named '\(id.name)' can be recovered.")
        }
        let old = existing?.document["properties"]
        guard let tenant = requested.member(caseInsensitive: "tenantId")?.stringValue ?? old?["tenantId"]?.stringValue,
              tenant.lowercased() == environment.tenantID else {
            throw ManagementError.invalidParameter("properties.tenantId must be this installation's tenant '\(environment.tenantID)'.")
        }
        let sku = requested.member(caseInsensitive: "sku") ?? old?["sku"] ?? ["family": "A", "name": "standard"]
        guard let skuName = sku.member(caseInsensitive: "name")?.stringValue?.lowercased(), ["standard", "premium"].contains(skuName) else {
            throw ManagementError.invalidParameter("properties.sku.name must be 'standard' or 'premium'.")
        }
        if requested.member(caseInsensitive: "enableSoftDelete")?.boolValue == false {
            throw ManagementError(status: 400, code: "SoftDeleteCannotBeDisabled",
                                  "Soft delete is always enabled on vaults of this installation; 'enableSoftDelete' cannot be false.")
        }
        let oldRetention = old?["softDeleteRetentionInDays"]?.integerValue
        let retention = requested.member(caseInsensitive: "softDeleteRetentionInDays")?.integerValue ?? oldRetention ?? 90
        guard (7...90).contains(retention) else {
            throw ManagementError.invalidParameter("softDeleteRetentionInDays must be between 7 and 90; \(retention) was given.")
        }
        if let oldRetention, oldRetention != retention {
            throw ManagementError(status: 400, code: "InvalidParameter",
                                  "softDeleteRetentionInDays cannot be changed after the vault is created (it is \(oldRetention)).")
        }
        let wasProtected = old?["enablePurgeProtection"]?.boolValue == true
        let protected = requested.member(caseInsensitive: "enablePurgeProtection")?.boolValue ?? wasProtected
        if wasProtected, !protected {
            throw ManagementError(status: 400, code: "PurgeProtectionCannotBeDisabled",
                                  "Purge protection cannot be disabled once it has been enabled on vault '\(id.name)'.")
        }
        let policies = try AccessPolicies.validated(requested.member(caseInsensitive: "accessPolicies") ?? old?["accessPolicies"] ?? [],
                                                    tenantID: environment.tenantID)
        var properties = old ?? .object([:])
        properties["tenantId"] = .string(environment.tenantID)
        properties["sku"] = ["family": "A", "name": .string(skuName)]
        properties["accessPolicies"] = policies
        properties["enableSoftDelete"] = true
        properties["softDeleteRetentionInDays"] = .integer(retention)
        properties["enablePurgeProtection"] = protected ? true : nil
        properties["enableRbacAuthorization"] = .bool(requested.member(caseInsensitive: "enableRbacAuthorization")?.boolValue
            ?? old?["enableRbacAuthorization"]?.boolValue ?? false)
        for flag in ["enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment"] {
            properties[flag] = .bool(requested.member(caseInsensitive: flag)?.boolValue ?? old?[flag]?.boolValue ?? false)
        }
        properties["networkAcls"] = requested.member(caseInsensitive: "networkAcls") ?? old?["networkAcls"]
            ?? ["bypass": "AzureServices", "defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []]
        properties["publicNetworkAccess"] = "Enabled"
        properties["vaultUri"] = .string("https://\(id.name.lowercased()).\(environment.endpoints.vaultDNSSuffix)/")
        properties["provisioningState"] = "Succeeded"
        properties["createMode"] = nil
        var document = base
        document["properties"] = properties
        return document
    }

    /// The deleted vault's last document, back under `id`.
    func recovered(_ deleted: ResourceRecord, id: ResourceID, base: JSONValue) throws -> JSONValue {
        guard var document = deleted.document["properties"]?[DeletedVaultProvider.originalMember] else {
            throw ManagementError(status: 409, code: "ConflictError", "The deleted vault '\(id.name)' cannot be recovered: its configuration was not kept.")
        }
        document["id"] = base["id"]
        document["name"] = base["name"]
        document["systemData"] = base["systemData"]
        document["properties"]?["provisioningState"] = "Succeeded"
        return document
    }

    public func didStore(_ record: ResourceRecord, existing: ResourceRecord?) async throws -> JSONValue? {
        // A recovered vault leaves the deleted list.
        if existing == nil, let deleted = try await DeletedVaultProvider.find(record.id.name, store: store) {
            try await store.deleteResource(id: deleted.id)
        }
        if existing?.document["properties"]?["accessPolicies"] != record.document["properties"]?["accessPolicies"]
            || existing?.document["properties"]?["enableRbacAuthorization"] != record.document["properties"]?["enableRbacAuthorization"] {
            events.publish(VaultEvent(.policyChanged, vault: record.id.name))
        }
        return nil
    }

    /// Provider-level calls: `checkNameAvailability`, and the managed HSM lists az reads next to
    /// vaults (kura has no managed HSMs: always empty).
    public func action(_ name: String, on record: ResourceRecord?, body: JSONValue?, caller: ManagementCaller) async throws -> ManagementReply {
        switch (name.lowercased(), record) {
        case ("checknameavailability", nil):
            let wanted = body?.member(caseInsensitive: "name")?.stringValue ?? ""
            guard Self.isValidName(wanted) else {
                return try .ok(["nameAvailable": false, "reason": "AccountNameInvalid",
                                "message": .string("The vault name '\(wanted)' is invalid: 3-24 letters, digits and '-', starting with a letter.")],
                               as: NameAvailability.self)
            }
            let deleted = try await DeletedVaultProvider.find(wanted, store: store) != nil
            guard try await nameConflict(wanted) == nil, !deleted else {
                return try .ok(["nameAvailable": false, "reason": "AlreadyExists",
                                "message": .string("The vault name '\(wanted)' is already in use\(deleted ? " by a deleted vault" : "").")],
                               as: NameAvailability.self)
            }
            return try .ok(["nameAvailable": true], as: NameAvailability.self)
        case ("managedhsms", nil), ("deletedmanagedhsms", nil):
            return .list([])
        default:
            throw ManagementError(status: 404, code: "NoRegisteredProviderFound", "Microsoft.KeyVault has no '\(name)' here.")
        }
    }

    /// Deleting a vault soft-deletes it: it moves to the deleted vaults for its retention period.
    public func willDelete(_ record: ResourceRecord) async throws {
        // A create that never finished (rolled back at start-up) leaves no vault to keep.
        guard record.document["properties"]?["provisioningState"]?.stringValue != ManagementAPI.creating else { return }
        try await store.putResource(DeletedVaultProvider.deletedRecord(of: record, environment: environment))
        events.publish(VaultEvent(.policyChanged, vault: record.id.name))
    }

}
