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
        try await deletedVaults.purgeExpired { [logger] purged in
            switch purged {
            case .key(let vault, let name): logger.info("purged deleted key \(name) of vault \(vault) after its retention period")
            case .vault(let vault): logger.info("purged deleted vault \(vault) after its retention period")
            }
        }
    }
}
