// kura — a self-hosted encrypted container registry.
// RegistryStore: the registries themselves — names, wrapped data keys, settings.

import KuraCore

/// The registries: one record each, with its wrapped data key and settings.
/// Every method is atomic; the contract suites in `Tests/KuraStorageTests` run against the
/// in-memory implementation and `SQLMetadataStore` on SQLite and PostgreSQL alike.
public protocol RegistryStore: Sendable {
    // MARK: Registries

    /// - Throws: `.conflict` when the id or the name (case-insensitively) is taken.
    func insertRegistry(_ registry: RegistryRecord) async throws
    /// Looks a registry up by name, case-insensitively.
    func registry(named name: String) async throws -> RegistryRecord?
    /// All registries, by name.
    func registries() async throws -> [RegistryRecord]
    /// Replaces the wrapped data key (and the customer-key binding with it) if the stored one still
    /// equals `expected`: a key rotation is one such atomic swap.
    /// - Throws: `.notFound`, `.preconditionFailed` when another writer changed it first.
    func replaceWrappedDataKey(registryID: String, expected: [UInt8], new: [UInt8], customerKey: CustomerKeyBinding?) async throws
    /// Replaces the registry's admin-user and anonymous-pull settings.
    /// - Throws: `.notFound`.
    func updateRegistrySettings(id: String, adminUserEnabled: Bool, sealedAdminPasswords: [UInt8]?, anonymousPullEnabled: Bool) async throws
    /// Deletes the registry and everything recorded under it; returns whether it existed.
    @discardableResult func deleteRegistry(id: String) async throws -> Bool
}
