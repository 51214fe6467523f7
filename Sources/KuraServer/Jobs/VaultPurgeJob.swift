// kura — a self-hosted encrypted container registry.
// VaultPurgeJob: purges soft-deleted keys and deleted vaults once their retention has passed.

import KuraManagement
import Logging
import ServiceLifecycle

/// Runs ``DeletedVaultProvider/purgeExpired()`` every hour and logs what went.
struct VaultPurgeJob: PeriodicJob {
    let deletedVaults: DeletedVaultProvider
    let logger: Logger
    var interval: Duration = .seconds(3600)
    var activity: String { "vault purge" }

    func runOnce() async throws {
        let pass = try await deletedVaults.purgeExpired()
        for (vault, key) in pass.keys { logger.info("purged deleted key \(key) of vault \(vault) after its retention period") }
        for vault in pass.vaults { logger.info("purged deleted vault \(vault) after its retention period") }
    }
}
