// kura — a self-hosted encrypted container registry.
// DeletedVaultProvider: soft-deleted vaults — list, show, purge.

import Foundation
public import KuraCore
public import KuraStorage

/// Deleted vaults (`/subscriptions/{s}/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}`),
/// kept for the vault's retention period. Purge is refused while purge protection is on and the
/// retention has not passed; recovery is a vault PUT with `createMode: recover`.
public struct DeletedVaultProvider: ResourceProvider {
    public static let type = "Microsoft.KeyVault/locations/deletedVaults"
    /// Where the vault's own last document is kept inside the deleted record (not served).
    static let originalMember = "kuraVault"
    public var resourceType: String { Self.type }
    public var listType: String { "Microsoft.KeyVault/deletedVaults" }
    let metadata: any MetadataStore
    let environment: ManagementEnvironment

    public init(metadata: any MetadataStore, environment: ManagementEnvironment) {
        self.metadata = metadata
        self.environment = environment
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
    static func find(_ name: String, metadata: any MetadataStore) async throws -> ResourceRecord? {
        try await metadata.resources(type: type, named: name).first
    }

    /// The deleted-vault record for `vault`, deleted now.
    static func deletedRecord(of vault: ResourceRecord, environment: ManagementEnvironment) -> ResourceRecord {
        let now = ManagementEnvironment.now()
        let location = vault.document["location"]?.stringValue ?? environment.defaultLocation
        let retentionDays = vault.document["properties"]?["softDeleteRetentionInDays"]?.integerValue ?? 90
        let id = ResourceID(subscription: vault.id.subscription, namespace: "Microsoft.KeyVault", types: ["locations", "deletedVaults"],
                            names: [location, vault.id.name])
        let document: JSONValue = [
            "id": .string(id.description), "name": .string(vault.id.name), "type": "Microsoft.KeyVault/deletedVaults",
            "properties": [
                "vaultId": .string(vault.id.description), "location": .string(location),
                "deletionDate": .string(ManagementEnvironment.timestamp(now)),
                "scheduledPurgeDate": .string(ManagementEnvironment.timestamp(now + retentionDays * 86_400_000)),
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
        let retention = (properties?[Self.originalMember]?["properties"]?["softDeleteRetentionInDays"]?.integerValue ?? 90) * 86_400_000
        if properties?["purgeProtectionEnabled"]?.boolValue == true, ManagementEnvironment.now() < record.createdAt + retention {
            throw ManagementError(status: 409, code: "PurgeProtectionEnabled",
                                  "Operation 'DeletedVaultPurge' is not allowed: vault '\(record.id.name)' has purge protection enabled and cannot be purged before \(properties?["scheduledPurgeDate"]?.stringValue ?? "its scheduled purge date").")
        }
        try await metadata.purgeVaultKeys(vault: record.id.name.lowercased())
        try await metadata.deleteResource(id: record.id)
        return ManagementReply(status: 200, body: nil)
    }
}
