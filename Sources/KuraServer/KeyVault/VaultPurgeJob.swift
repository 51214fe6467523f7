// kura — a self-hosted encrypted container registry.
// VaultPurgeJob: purges soft-deleted keys (and vaults) whose retention has passed.

import Foundation
import KuraCore
import KuraKeyVault
import KuraManagement
import KuraStorage
import Logging
import ServiceLifecycle

/// Runs every `interval` until shutdown: purges each vault's deleted keys whose scheduled purge
/// date has passed, and deleted vaults likewise (with their keys).
struct VaultPurgeJob: PeriodicJob {
    let metadata: any MetadataStore
    let service: KeyVaultService
    let subscriptionID: String
    let logger: Logger
    var interval: Duration = .seconds(3600)
    var activity: String { "vault purge" }

    func runOnce() async throws { try await purgeOnce() }

    func purgeOnce(now: Int64 = KeyVaultService.now()) async throws {
        for vault in try await metadata.resources(type: KeyVaultProvider.type, subscription: subscriptionID, resourceGroup: nil) {
            for name in try await service.purgeExpired(vault: vault.id.name.lowercased(), now: now) {
                logger.info("purged deleted key \(name) of vault \(vault.id.name) after its retention period")
            }
        }
        for deleted in try await metadata.resources(type: DeletedVaultProvider.type, subscription: subscriptionID, resourceGroup: nil) {
            let scheduled = deleted.createdAt + (deleted.document["properties"]?["kuraVault"]?["properties"]?["softDeleteRetentionInDays"]?
                .integerValue ?? 90) * 86_400_000
            guard scheduled <= now else { continue }
            try await metadata.purgeVaultKeys(vault: deleted.id.name.lowercased())
            try await metadata.deleteResource(id: deleted.id)
            logger.info("purged deleted vault \(deleted.id.name) after its retention period")
        }
    }
}
