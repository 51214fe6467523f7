// kura — a self-hosted encrypted container registry.
// VaultEvents: what the Key Vault and management planes announce about keys and policies.

import Synchronization

/// A change to a vault's keys or permissions, for whoever depends on them (the registries'
/// customer-managed keys re-validate at once instead of waiting for their periodic check).
public struct VaultEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case keyCreated, keyUpdated, keyDeleted, keyRecovered, keyPurged, keyRotated, keyRestored
        /// Access policies or RBAC mode changed, or the vault was deleted, recovered or purged.
        case policyChanged
    }

    public let kind: Kind
    /// The vault's name, lower-case.
    public let vault: String
    /// The key's name, lower-case; nil for vault-wide events.
    public let key: String?

    public init(_ kind: Kind, vault: String, key: String? = nil) {
        self.kind = kind
        self.vault = vault.lowercased()
        self.key = key?.lowercased()
    }
}

/// The in-process event bus: every subscriber gets every event published after it subscribed.
/// (A cluster carries the same events over PostgreSQL LISTEN/NOTIFY.)
public final class VaultEventBus: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<VaultEvent>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    public func publish(_ event: VaultEvent) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(event) }
    }

    /// A stream of events from now on; ends when the consumer stops iterating.
    public func subscribe() -> AsyncStream<VaultEvent> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncStream<VaultEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }
}
