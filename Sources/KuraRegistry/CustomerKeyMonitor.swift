// kura — a self-hosted encrypted container registry.
// CustomerKeyMonitor: validates registries' customer-managed keys — at start, periodically and on vault events.

import Foundation
public import KuraCore
public import Logging
public import ServiceLifecycle

/// Where a registry's customer key version in use is shown besides the registry plane: the
/// management plane's record of the registry (`versionedKeyIdentifier`,
/// `lastKeyRotationTimestamp`), written through its provider like every ARM write.
public protocol CustomerKeyRecorder: Sendable {
    /// Shows `versionedKeyID` as the key `registry` uses (no change when it already does; left to
    /// a later pass while an ARM operation on the registry is in progress).
    func recordKeyInUse(_ versionedKeyID: String, registry: RegistryRecord) async throws
}

/// Keeps every CMK registry's key state current without touching the request path, whatever
/// vault holds the key (a vault of this installation, or a remote one on a host that
/// `keys.remoteVaultHosts` allows — the vault client refuses any other before connecting):
/// - at start (``startUp()``, before the listeners serve), each registry's validation begins;
///   requests to a registry wait on that one validation and never ask the vault themselves;
/// - every `interval` (`keyCheckInterval`), each registry's data key is unwrapped through its
///   vault as its identity — local and remote keys alike (a remote vault publishes no events, so
///   this pass is how its refusals and restores are seen);
/// - a vault event of this installation (key changed, policy changed, vault deleted)
///   re-validates at once the registries whose key lives in that vault, so a revocation or a
///   restore applies within a second;
/// - a registry with a versionless key id follows the key's new current version by itself
///   (re-wrapped and recorded, as `keyRotationEnabled` promises).
///
/// The keyring serializes the validations of each registry (a periodic and an event-driven one
/// never race), and a result older than the recorded one is dropped.
public struct CustomerKeyMonitor: Service {
    let provisioner: RegistryProvisioner
    let recorder: any CustomerKeyRecorder
    /// Vault events from the moment the monitor was made (subscribed then, so none published
    /// while the server starts is missed).
    let events: AsyncStream<VaultEvent>
    let vaultDNSSuffix: String
    let interval: Duration
    let logger: Logger
    /// How many registries one pass validates at a time (one vault that does not answer delays
    /// only its own registries).
    let width: Int

    public init(provisioner: RegistryProvisioner, recorder: any CustomerKeyRecorder, events: VaultEventBus, vaultDNSSuffix: String,
                interval: Duration, logger: Logger, width: Int = 8) {
        self.provisioner = provisioner
        self.recorder = recorder
        self.events = events.subscribe()
        self.vaultDNSSuffix = vaultDNSSuffix
        self.interval = interval
        self.logger = logger
        self.width = max(1, width)
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events.cancelOnGracefulShutdown() {
                    await validate(where: { binding in localVaultName(of: binding) == event.vault })
                }
            }
            group.addTask {
                await reportStartUp()
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                    guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
                    await validate(where: { _ in true })
                }
            }
            await group.waitForAll()
        }
    }

    /// Start-up, before the listeners serve: begins one validation of every CMK registry, local
    /// or remote key. Returns once each has begun, not finished — a vault that does not answer
    /// holds back only its own registries' requests, which wait on that validation.
    public func startUp() async {
        let registries: [RegistryRecord]
        do {
            registries = try await provisioner.registries()
        } catch {
            // Requests then begin the (one, shared) validation of their registry themselves.
            logger.warning("customer key check at start: registries unavailable: \(error)")
            return
        }
        for registry in registries where registry.customerKey != nil {
            provisioner.keyring.beginValidation(registry)
        }
    }

    /// Waits for the start-up validations (beginning any that ``startUp()`` did not), logs every
    /// key that is not accessible, and lets versionless keys follow a version made while stopped.
    func reportStartUp() async {
        guard let registries = await customerKeyRegistries(where: { _ in true }) else { return }
        await eachConcurrently(registries) { registry in
            let status = await provisioner.keyring.currentStatus(of: registry)
            if status?.accessible == true {
                await followNewVersion(registry)
            } else {
                logger.warning("registry \(registry.name): customer-managed key \(registry.customerKey?.versionedKeyID ?? "-") is not accessible: \(status?.lastError ?? "-")")
            }
        }
    }

    /// Validates the CMK registries whose key binding matches `matches` — any vault, local or remote.
    public func validate(where matches: (CustomerKeyBinding) -> Bool) async {
        guard let registries = await customerKeyRegistries(where: matches) else { return }
        await eachConcurrently(registries) { registry in await validate(registry) }
    }

    /// One registry: a fresh validation (after any in flight), its change logged; an accessible
    /// versionless key then follows the key's current version.
    func validate(_ listed: RegistryRecord) async {
        // The record as stored now: a key rotated since the pass listed the registries is
        // validated as rotated, and a deleted registry not at all.
        guard let registry = await stored(listed), let binding = registry.customerKey else { return }
        let before = provisioner.keyring.status(registryID: registry.id)
        let after = await provisioner.keyring.validate(registry)
        if before?.accessible != after?.accessible {
            logger.notice("registry \(registry.name): customer-managed key \(binding.versionedKeyID) is now \(after?.accessible == true ? "accessible" : "not accessible: \(after?.lastError ?? "-")")")
        }
        if after?.accessible == true { await followNewVersion(registry) }
    }

    /// `registry` as stored now; nil when it was deleted, `registry` itself when the store cannot say.
    func stored(_ registry: RegistryRecord) async -> RegistryRecord? {
        do {
            guard let current = try await provisioner.registry(named: registry.name), current.id == registry.id else { return nil }
            return current
        } catch {
            return registry
        }
    }

    /// The registries with a customer-managed key whose binding matches; nil (logged) when the
    /// store cannot list them.
    func customerKeyRegistries(where matches: (CustomerKeyBinding) -> Bool) async -> [RegistryRecord]? {
        do {
            return try await provisioner.registries().filter { registry in registry.customerKey.map(matches) ?? false }
        } catch {
            logger.warning("customer key check: registries unavailable: \(error)")
            return nil
        }
    }

    /// The lower-case name of the vault of this installation holding the key, or nil for a key
    /// elsewhere (a remote vault publishes no events here).
    func localVaultName(of binding: CustomerKeyBinding) -> String? {
        KeyIdentifier(binding.versionedKeyID, vaultDNSSuffix: vaultDNSSuffix)?.vaultName.lowercased()
    }

    /// Runs `body` for each registry, at most ``width`` at a time.
    func eachConcurrently(_ registries: [RegistryRecord], _ body: @escaping @Sendable (RegistryRecord) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var pending = registries[...]
            for _ in 0..<min(width, pending.count) {
                let registry = pending.removeFirst()
                group.addTask { await body(registry) }
            }
            while await group.next() != nil, let registry = pending.popFirst() {
                group.addTask { await body(registry) }
            }
        }
    }

    /// A versionless key id follows the key's current version: re-wrap under it and record it.
    /// Any vault: a remote key's current version is asked of its (allowed) host like every call.
    func followNewVersion(_ registry: RegistryRecord) async {
        guard let binding = registry.customerKey, let key = KeyIdentifier(remote: binding.keyIdentifier),
              key.version == nil, let client = provisioner.keyring.customerKeys else { return }
        do {
            var inUse = registry
            let current = try await client.currentKey(binding.keyIdentifier, as: binding.identityObjectID).keyID
            if current != binding.versionedKeyID {
                inUse = try await provisioner.rotateCustomerKey(registry, keyIdentifier: binding.keyIdentifier, identity: binding.identityObjectID)
                logger.notice("registry \(registry.name) follows its key's new version \(inUse.customerKey?.versionedKeyID ?? "-")")
            }
            // Every pass, not only one that rotated: a record an ARM operation held (or a crash
            // interrupted) catches up with the version in use on the next pass.
            if let versioned = inUse.customerKey?.versionedKeyID { try await recorder.recordKeyInUse(versioned, registry: inUse) }
        } catch {
            logger.warning("registry \(registry.name): following the key's new version failed: \(error)")
        }
    }
}
