// kura — a self-hosted encrypted container registry.
// RegistryProvisioner: creating a registry (data key, admin user) and deleting one with its data.

import Foundation
import Synchronization
public import KuraCore
public import KuraCrypto

/// Creates and deletes registries. A new registry gets a fresh random data key, wrapped by its
/// service key (service-managed encryption; a customer-managed key adds a layer, issue 7).
public struct RegistryProvisioner: Sendable {
    let store: any RegistryStore
    let blobs: EncryptedBlobStore
    let clock: any WallClock
    /// The registries' data keys and customer-key states.
    public let keyring: RegistryKeyring
    let sealer: SealedFile
    /// Admin credentials already opened, by registry id, with the sealed bytes they came from.
    private let openedCredentials = OpenedCredentials()

    public init(store: any RegistryStore, blobs: EncryptedBlobStore, keyring: RegistryKeyring, sealer: SealedFile,
                clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
        self.blobs = blobs
        self.keyring = keyring
        self.sealer = sealer
    }

    /// Registry names as ACR allows them: 5–50 alphanumerics (kura also accepts the shorter
    /// `default`, 7 characters, so the rule is just 1–50 here).
    public static func isValidName(_ name: String) -> Bool {
        (1...50).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) }
    }

    /// Creates a registry. With `customerKey`, its data key is wrapped through that key as the
    /// identity (RSA-OAEP-256, then the service key: two layers) before anything is stored, so a
    /// refused key leaves nothing behind.
    /// - Returns: the record and, when the admin user is enabled, its credentials.
    /// - Throws: `StoreError` `.conflict` when the name is taken; ``KeyWrapFailure`` when
    ///   the vault refuses or cannot be reached.
    public func create(name: String, adminUserEnabled: Bool, anonymousPullEnabled: Bool = false,
                       customerKey: (keyIdentifier: String, identity: String)? = nil) async throws -> (RegistryRecord, RegistryAdminCredentials?) {
        guard Self.isValidName(name) else { throw RegistryError(.nameInvalid, "registry name '\(name)' must be 1-50 letters and digits") }
        let id = UUID().uuidString.lowercased()
        let dataKey = DataKey.generate(registryID: id)
        let (wrapped, binding) = try await keyring.wrapNew(dataKey, customerKey: customerKey)
        let credentials = adminUserEnabled ? RegistryAdminCredentials.generate(username: name) : nil
        let record = RegistryRecord(id: id, name: name, wrappedDataKey: wrapped, keyGeneration: dataKey.generation,
                                    adminUserEnabled: adminUserEnabled,
                                    sealedAdminPasswords: try credentials?.sealed(registryID: id, with: sealer),
                                    anonymousPullEnabled: anonymousPullEnabled,
                                    createdAt: clock.milliseconds, customerKey: binding)
        do {
            try await store.insertRegistry(record)
        } catch {
            keyring.forget(registryID: id)
            throw error
        }
        return (record, credentials)
    }

    /// Rotates a registry's customer-managed key: the data key is unwrapped with the current key
    /// and wrapped with `keyIdentifier`, and the stored key and binding swap in one
    /// compare-and-swap. No blob is touched.
    /// - Returns: the updated record.
    public func rotateCustomerKey(_ registry: RegistryRecord, keyIdentifier: String, identity: String) async throws -> RegistryRecord {
        let (wrapped, binding) = try await keyring.rewrap(registry, keyIdentifier: keyIdentifier, identity: identity)
        try await store.replaceWrappedDataKey(registryID: registry.id, expected: registry.wrappedDataKey, new: wrapped, customerKey: binding)
        var updated = registry
        updated.wrappedDataKey = wrapped
        updated.customerKey = binding
        return updated
    }

    /// The registry named `name` (case-insensitively), if any.
    public func registry(named name: String) async throws -> RegistryRecord? { try await store.registry(named: name) }

    /// Every registry, by name.
    public func registries() async throws -> [RegistryRecord] { try await store.registries() }

    /// The out-of-the-box registry `default` (service-managed encryption, admin user enabled),
    /// created if it does not exist yet.
    public func ensureDefaultRegistry() async throws -> (record: RegistryRecord, credentials: RegistryAdminCredentials?) {
        if let existing = try await store.registry(named: "default") { return (existing, try adminCredentials(of: existing)) }
        return try await create(name: "default", adminUserEnabled: true)
    }

    /// The admin credentials of `registry`, if it has any. Opened once per sealed value and kept
    /// in memory: Basic auth asks on every request.
    public func adminCredentials(of registry: RegistryRecord) throws -> RegistryAdminCredentials? {
        guard let sealed = registry.sealedAdminPasswords else { return nil }
        if let cached = openedCredentials.entries.withLock({ $0[registry.id] }), cached.sealed == sealed { return cached.credentials }
        let credentials = try RegistryAdminCredentials.open(sealed, registryID: registry.id, with: sealer)
        openedCredentials.entries.withLock { $0[registry.id] = (sealed, credentials) }
        return credentials
    }

    /// Turns the admin user and anonymous pull on or off. Enabling the admin user keeps its
    /// passwords if it had them, else generates them.
    /// - Returns: the updated record.
    public func update(_ registry: RegistryRecord, adminUserEnabled: Bool, anonymousPullEnabled: Bool) async throws -> RegistryRecord {
        var updated = registry
        updated.adminUserEnabled = adminUserEnabled
        updated.anonymousPullEnabled = anonymousPullEnabled
        if adminUserEnabled, registry.sealedAdminPasswords == nil {
            updated.sealedAdminPasswords = try RegistryAdminCredentials.generate(username: registry.name).sealed(registryID: registry.id, with: sealer)
        }
        guard updated != registry else { return registry }
        try await store.updateRegistrySettings(id: registry.id, adminUserEnabled: updated.adminUserEnabled,
                                                  sealedAdminPasswords: updated.sealedAdminPasswords,
                                                  anonymousPullEnabled: updated.anonymousPullEnabled)
        return updated
    }

    /// Replaces admin password `index` (0 or 1) with a fresh one; returns the new credentials.
    public func regenerateAdminPassword(_ registry: RegistryRecord, index: Int) async throws -> RegistryAdminCredentials {
        var credentials = try adminCredentials(of: registry) ?? RegistryAdminCredentials.generate(username: registry.name)
        credentials.passwords[index] = SecretHash.generateSecret()
        try await store.updateRegistrySettings(id: registry.id, adminUserEnabled: registry.adminUserEnabled,
                                                  sealedAdminPasswords: try credentials.sealed(registryID: registry.id, with: sealer),
                                                  anonymousPullEnabled: registry.anonymousPullEnabled)
        return credentials
    }

    /// Deletes the registry's records, then its stored objects (crypto-shredding: the data key
    /// goes with the record, so leftover objects are unreadable even if deletion is interrupted).
    public func delete(_ registry: RegistryRecord) async throws {
        try await store.deleteRegistry(id: registry.id)
        keyring.forget(registryID: registry.id)
        _ = openedCredentials.entries.withLock { $0.removeValue(forKey: registry.id) }
        for path in try await blobs.store.list(prefix: BlobPath("registries", registry.id)) {
            try await blobs.store.delete(path)
        }
    }
}

/// The shared, lock-protected cache behind ``RegistryProvisioner/adminCredentials(of:)``.
private final class OpenedCredentials: Sendable {
    let entries = Mutex<[String: (sealed: [UInt8], credentials: RegistryAdminCredentials)]>([:])
}
