// kura — a self-hosted encrypted container registry.
// RegistryKeyring: the unwrapped data keys of registries, in memory only.

public import KuraCrypto
public import KuraStorage
import Synchronization

/// Unwraps each registry's data key once and keeps it in memory (never on disk; swift-crypto
/// zeroes a key's storage when the last reference goes). `forget` drops a key, e.g. when the
/// registry is deleted or its key is revoked.
public final class RegistryKeyring: Sendable {
    private let wrapper: DataKeyWrapper
    private let keys = Mutex<[String: DataKey]>([:])

    public init(hierarchy: KeyHierarchy) {
        self.wrapper = DataKeyWrapper(hierarchy: hierarchy)
    }

    /// The data key of `registry`, unwrapping it on first use.
    /// - Throws: ``CryptoFailure`` when the wrapped key does not open under this root key.
    public func dataKey(for registry: RegistryRecord) throws -> DataKey {
        if let cached = keys.withLock({ $0[registry.id] }) { return cached }
        let key = try wrapper.unwrap(registry.wrappedDataKey, registryID: registry.id, generation: registry.keyGeneration)
        keys.withLock { $0[registry.id] = key }
        return key
    }

    /// Wraps a new data key for a registry being created.
    public func wrap(_ key: DataKey) throws -> [UInt8] { try wrapper.wrap(key) }

    /// Drops the cached key of a registry.
    public func forget(registryID: String) { _ = keys.withLock { $0.removeValue(forKey: registryID) } }
}
