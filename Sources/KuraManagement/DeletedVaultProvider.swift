// kura — a self-hosted encrypted container registry.
// DeletedVaultProvider: soft-deleted vaults — list, show, purge.

public import KuraAPI
import Foundation
public import KuraCore
public import KuraKeyVault

/// Deleted vaults (`/subscriptions/{s}/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}`),
/// kept for the vault's retention period. Purge is refused while purge protection is on and the
/// retention has not passed; recovery is a vault PUT with `createMode: recover`.
public struct DeletedVaultProvider: ResourceProvider {
    public static let type = "Microsoft.KeyVault/locations/deletedVaults"
    /// Where the vault's own last document is kept inside the deleted record (not served).
    static let originalMember = "kuraVault"
    public var resourceType: String { Self.type }
    public var listType: String { "Microsoft.KeyVault/deletedVaults" }
    public var wireModel: any Codable.Type { DeletedVault.self }
    let store: any ManagementStore
    let environment: ManagementEnvironment
    /// The Key Vault plane, whose keys of a purged vault go with it.
    let keys: KeyVaultService

    public init(store: any ManagementStore, environment: ManagementEnvironment, keys: KeyVaultService) {
        self.store = store
        self.environment = environment
        self.keys = keys
    }

    /// What one purge removed, reported as soon as it is gone (it cannot be undone).
    public enum Purged: Sendable {
        /// A soft-deleted key past its retention.
        case key(vault: String, name: String)
        /// A deleted vault past its retention, with every key it held.
        case vault(String)
    }

    /// Purges every soft-deleted key and every deleted vault whose retention has passed (the
    /// hourly purge job); `report` hears of each purge as it is made, so a pass that fails halfway
    /// has reported all it did.
    public func purgeExpired(report: @Sendable (Purged) -> Void) async throws {
        for vault in try await store.resources(type: KeyVaultProvider.type, subscription: environment.subscriptionID, resourceGroup: nil) {
            for name in try await keys.purgeExpired(vault: vault.id.name.lowercased()) { report(.key(vault: vault.id.name, name: name)) }
        }
        let now = environment.now()
        for deleted in try await store.resources(type: Self.type, subscription: environment.subscriptionID, resourceGroup: nil)
        where Self.scheduledPurge(of: deleted) <= now {
            try await keys.purgeAllKeys(vault: deleted.id.name.lowercased())
            try await store.deleteResource(id: deleted.id)
            report(.vault(deleted.id.name))
        }
    }

    /// When a deleted vault's retention ends, Unix milliseconds.
    static func scheduledPurge(of deleted: ResourceRecord) -> Int64 {
        deleted.createdAt + (deleted.document["properties"]?[originalMember]?["properties"]?["softDeleteRetentionInDays"]?.integerValue ?? 90)
            * 86_400_000
    }

    public func prepare(_ id: ResourceID, body: JSONValue, base: JSONValue, existing: ResourceRecord?,
                        caller: ManagementCaller) async throws -> JSONValue {
        throw ManagementError(status: 405, code: "MethodNotAllowed", "Deleted vaults cannot be written; recover the vault or purge it.")
    }

    public func render(_ record: ResourceRecord) async throws -> JSONValue {
        var document = record.document
        document["properties"]?[Self.originalMember] = nil
        return document
    }

    /// The deleted vault named `name`, if any.
    static func find(_ name: String, store: any ManagementStore) async throws -> ResourceRecord? {
        try await store.resources(type: type, named: name).first
    }

    /// The deleted-vault record for `vault`, deleted now.
    static func deletedRecord(of vault: ResourceRecord, environment: ManagementEnvironment) -> ResourceRecord {
        let now = environment.now()
        let location = vault.document["location"]?.stringValue ?? environment.defaultLocation
        let retentionDays = vault.document["properties"]?["softDeleteRetentionInDays"]?.integerValue ?? 90
        let id = ResourceID(subscription: vault.id.subscription, namespace: "Microsoft.KeyVault", types: ["locations", "deletedVaults"],
                            names: [location, vault.id.name])
        let document: JSONValue = [
            "id": .string(id.description), "name": .string(vault.id.name), "type": "Microsoft.KeyVault/deletedVaults",
            "properties": [
                "vaultId": .string(vault.id.description), "location": .string(location),
                "deletionDate": .string(Timestamp.iso8601(now)),
                "scheduledPurgeDate": .string(Timestamp.iso8601(now + retentionDays * 86_400_000)),
                "tags": vault.document["tags"] ?? [:],
                "purgeProtectionEnabled": .bool(vault.document["properties"]?["enablePurgeProtection"]?.boolValue == true),
                "kuraVault": vault.document,
            ],
        ]
        return ResourceRecord(id: id, document: document, createdAt: now, updatedAt: now)
    }

    public func action(_ name: String, on record: ResourceRecord?, body: JSONValue?, caller: ManagementCaller) async throws -> ManagementReply {
        guard name.lowercased() == "purge", let record else {
            throw ManagementError(status: 404, code: "NoRegisteredProviderFound", "Deleted vaults have no action '\(name)'.")
        }
        let properties = record.document["properties"]
        if properties?["purgeProtectionEnabled"]?.boolValue == true, environment.now() < Self.scheduledPurge(of: record) {
            throw ManagementError(status: 409, code: "PurgeProtectionEnabled",
                                  "Operation 'DeletedVaultPurge' is not allowed: vault '\(record.id.name)' has purge protection enabled and cannot be purged before \(properties?["scheduledPurgeDate"]?.stringValue ?? "its scheduled purge date").")
        }
        try await keys.purgeAllKeys(vault: record.id.name.lowercased())
        try await store.deleteResource(id: record.id)
        return ManagementReply(status: 200, body: nil)
    }
}
