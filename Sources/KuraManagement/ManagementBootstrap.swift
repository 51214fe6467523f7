// kura — a self-hosted encrypted container registry.
// ManagementBootstrap: what a fresh installation's management plane starts with.

import KuraAPI
import Foundation
import KuraCore
public import KuraDirectory
import KuraRegistry

/// Makes the installation's starting state exist (idempotent, run on every start): the bootstrap
/// admin is Owner of the subscription, and the out-of-the-box registry `default` is an ARM
/// resource in the resource group `kura`, so role assignments can name it.
public struct ManagementBootstrap: Sendable {
    public static let defaultResourceGroup = "kura"
    let store: any ManagementStore
    let environment: ManagementEnvironment
    let registries: ContainerRegistryProvider
    let access: AccessControl

    public init(store: any ManagementStore, environment: ManagementEnvironment, registries: ContainerRegistryProvider,
                access: AccessControl) {
        self.store = store
        self.environment = environment
        self.registries = registries
        self.access = access
    }

    public func ensure(adminObjectID: String) async throws {
        try await ensureOwner(adminObjectID, principalType: "ServicePrincipal")
        guard let registry = try await registries.provisioner.registry(named: "default"),
              try await store.resources(type: ContainerRegistryProvider.type, named: registry.name).isEmpty else { return }
        let caller = ManagementCaller(objectID: adminObjectID, grants: PrincipalGrants(assignments: []))
        let group = ResourceID(subscription: environment.subscriptionID, resourceGroup: Self.defaultResourceGroup)
        let now = environment.now()
        if try await store.resource(id: group) == nil {
            var document = try ResourceDocument.base(group, body: [:], existing: nil, defaultLocation: environment.defaultLocation,
                                                     caller: caller, now: now)
            document["properties"] = ["provisioningState": "Succeeded"]
            try await store.putResource(ResourceRecord(id: group, document: document, createdAt: now, updatedAt: now))
        }
        let id = ResourceID.resource(subscription: environment.subscriptionID, resourceGroup: Self.defaultResourceGroup,
                                     type: ContainerRegistryProvider.type, name: registry.name)
        let body: JSONValue = ["sku": ["name": "Standard"], "properties": ["adminUserEnabled": .bool(registry.adminUserEnabled)]]
        let base = try ResourceDocument.base(id, body: body, existing: nil, defaultLocation: environment.defaultLocation, caller: caller, now: now)
        let document = try await registries.prepare(id, body: body, base: base, existing: nil, caller: caller)
        try await store.putResource(ResourceRecord(id: id, document: document, createdAt: registry.createdAt, updatedAt: now))
    }

    /// Makes `objectID` Owner of the subscription unless it is already.
    public func ensureOwner(_ objectID: String, principalType: String) async throws {
        let subscription = ResourceID(subscription: environment.subscriptionID)
        let hasOwner = try await access.assignments(principalID: objectID)
            .contains { $0.scope == subscription && $0.roleDefinitionID == RoleDefinition.owner.id }
        guard !hasOwner else { return }
        try await access.assign(RoleAssignmentRecord(
            name: UUID().uuidString.lowercased(), scope: subscription, roleDefinitionID: RoleDefinition.owner.id,
            principalID: objectID, principalType: principalType, createdBy: objectID, createdAt: environment.now()))
    }
}
