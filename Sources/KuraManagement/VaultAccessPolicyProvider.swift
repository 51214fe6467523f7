// kura — a self-hosted encrypted container registry.
// VaultAccessPolicyProvider: `PUT …/vaults/{v}/accessPolicies/{add|replace|remove}`.

public import KuraAPI
import Foundation
public import KuraCore

/// The `accessPolicies` child of a vault: not stored by itself; each PUT merges into the vault's
/// `properties.accessPolicies` (``AccessPolicies/apply(_:changes:to:tenantID:)``).
public struct VaultAccessPolicyProvider: ResourceProvider {
    public static let type = "Microsoft.KeyVault/vaults/accessPolicies"
    public var resourceType: String { Self.type }
    let store: any ManagementStore
    let environment: ManagementEnvironment
    let events: VaultEventBus

    public init(store: any ManagementStore, environment: ManagementEnvironment, events: VaultEventBus) {
        self.store = store
        self.environment = environment
        self.events = events
    }

    public func prepare(_ id: ResourceID, body: JSONValue, base: JSONValue, existing: ResourceRecord?,
                        caller: ManagementCaller) async throws -> JSONValue {
        throw ManagementError.badRequest("Access policies are changed through the vault.")
    }

    /// A change answers the vault's whole new list of policies.
    public var wireModel: any Codable.Type { VaultAccessPolicyChange.self }

    public func handle(_ request: ManagementRequest, id: ResourceID) async throws -> ManagementReply? {
        guard let vaultID = id.parent else { return nil }
        guard request.method == "PUT" else {
            throw ManagementError(status: 405, code: "MethodNotAllowed", "The access policies of a vault are changed with PUT only.")
        }
        try request.caller.authorize("\(KeyVaultProvider.type)/accessPolicies/write", at: vaultID)
        let vault = try await KeyVaultProvider.record(vaultID, in: store)
        try ManagementAPI.requireNoOperationInProgress(vault)
        let changes = request.body?.member(caseInsensitive: "properties")?.member(caseInsensitive: "accessPolicies") ?? []
        let updated = try AccessPolicies.apply(id.name, changes: changes, to: vault.document["properties"]?["accessPolicies"] ?? [],
                                               tenantID: environment.tenantID)
        var changed = vault
        changed.document["properties"]?["accessPolicies"] = updated
        changed.updatedAt = max(environment.now(), vault.updatedAt + 1)
        // A compare-and-swap like every ARM write: a concurrent change of the vault is never overwritten.
        guard try await store.replaceResource(changed, expected: vault) else { throw ManagementError.concurrentWrite(name: vault.id.name) }
        events.publish(VaultEvent(.policyChanged, vault: vault.id.name))
        return try .ok(["id": .string("\(vault.id.description)/accessPolicies/\(id.name.lowercased())"), "name": .string(id.name.lowercased()),
                        "type": .string(Self.type), "properties": ["accessPolicies": updated]], as: wireModel)
    }
}
