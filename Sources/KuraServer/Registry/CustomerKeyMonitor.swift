// kura — a self-hosted encrypted container registry.
// CustomerKeyMonitor: re-validates registries' customer-managed keys — periodically and on vault events.

import Foundation
import KuraCore
import KuraManagement
import KuraRegistry
import KuraStorage
import Logging
import ServiceLifecycle

/// Keeps every CMK registry's key state current without touching the request path:
/// - at start and every `interval` (`keyCheckInterval`), each registry's data key is unwrapped
///   through the vault as its identity;
/// - a vault event (key changed, policy changed, vault deleted) re-validates at once the
///   registries whose key lives in that vault, so a revocation or a restore applies within a second;
/// - a registry with a versionless key id follows the key's new current version by itself
///   (re-wrapped and recorded, as `keyRotationEnabled` promises).
struct CustomerKeyMonitor: Service {
    let metadata: any MetadataStore
    let provisioner: RegistryProvisioner
    let events: VaultEventBus
    let vaultDNSSuffix: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let stream = events.subscribe()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in stream.cancelOnGracefulShutdown() {
                    await validate(where: { key in key.vaultName.lowercased() == event.vault })
                }
            }
            group.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    await validate(where: { _ in true })
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                }
            }
            await group.waitForAll()
        }
    }

    /// Validates the CMK registries whose key matches `matches`.
    func validate(where matches: (KeyIdentifier) -> Bool) async {
        let registries: [RegistryRecord]
        do {
            registries = try await metadata.registries()
        } catch {
            logger.warning("customer key check: registries unavailable: \(error)")
            return
        }
        for registry in registries {
            guard let binding = registry.customerKey, let key = KeyIdentifier(binding.versionedKeyID, vaultDNSSuffix: vaultDNSSuffix),
                  matches(key) else { continue }
            let before = provisioner.keyring.status(registryID: registry.id)
            let after = await provisioner.keyring.validate(registry)
            if before?.accessible != after?.accessible {
                logger.notice("registry \(registry.name): customer-managed key \(binding.versionedKeyID) is now \(after?.accessible == true ? "accessible" : "not accessible: \(after?.lastError ?? "-")")")
            }
            if after?.accessible == true { await followNewVersion(registry) }
        }
    }

    /// A versionless key id follows the key's current version: re-wrap under it and record it.
    func followNewVersion(_ registry: RegistryRecord) async {
        guard let binding = registry.customerKey, let key = KeyIdentifier(binding.keyIdentifier, vaultDNSSuffix: vaultDNSSuffix),
              key.version == nil, let client = provisioner.keyring.customerKeys else { return }
        do {
            let current = try await client.currentKey(binding.keyIdentifier, as: binding.identityObjectID).keyID
            guard current != binding.versionedKeyID else { return }
            let rotated = try await provisioner.rotateCustomerKey(registry, keyIdentifier: binding.keyIdentifier, identity: binding.identityObjectID)
            if let resource = try await metadata.resources(type: ContainerRegistryProvider.type, named: registry.name).first {
                var document = resource.document
                document["properties"]?["encryption"]?["keyVaultProperties"]?["versionedKeyIdentifier"] = .string(rotated.customerKey!.versionedKeyID)
                document["properties"]?["encryption"]?["keyVaultProperties"]?["lastKeyRotationTimestamp"] =
                    .string(ManagementEnvironment.timestamp(ManagementEnvironment.now()))
                try await metadata.putResource(ResourceRecord(id: resource.id, document: document, createdAt: resource.createdAt,
                                                              updatedAt: ManagementEnvironment.now()))
            }
            logger.notice("registry \(registry.name) follows its key's new version \(rotated.customerKey!.versionedKeyID)")
        } catch {
            logger.warning("registry \(registry.name): following the key's new version failed: \(error)")
        }
    }
}
