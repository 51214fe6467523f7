// kura — a self-hosted encrypted container registry.
// VaultDirectory: how the Key Vault plane finds a vault by name (the management plane keeps vaults).

/// Vaults by name. A vault is an ARM resource, so the management plane answers
/// (`KeyVaultProvider`); the Key Vault plane reads each request's vault through this, so a policy
/// change applies to the very next call.
public protocol VaultDirectory: Sendable {
    /// The live vault named `name` (case-insensitively), or nil.
    func vault(named name: String) async throws -> VaultContext?
    /// Whether a vault named `name` exists, live or soft-deleted.
    func vaultExists(named name: String) async throws -> Bool
}
