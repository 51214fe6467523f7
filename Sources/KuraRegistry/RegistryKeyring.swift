// kura — a self-hosted encrypted container registry.
// RegistryKeyring: the unwrapped data keys of registries, in memory only, and each customer key's state.

import Crypto
import Foundation
public import KuraCrypto
public import KuraStorage
import Synchronization

/// Unwraps each registry's data key once and keeps it in memory (never on disk; swift-crypto
/// zeroes a key's storage when the last reference goes).
///
/// A registry with a customer-managed key is in one of three states, changed only by
/// ``validate(_:)`` (periodically and on vault events — never on the request path):
/// - `accessible`: the vault unwrapped the key; requests use the cached data key;
/// - `revoked(reason)`: the vault refused (access removed, key disabled, deleted); the data key is
///   dropped and every data request is denied naming the key and the reason;
/// - `unavailable(since)`: the vault could not be reached; the cached key (if any) serves for
///   ``unavailableGrace``, then requests get 503 until the vault answers again.
public final class RegistryKeyring: Sendable {
    /// A customer-managed key's state as ARM shows it (`keyAccessible`, `lastKeyError`).
    public struct CustomerKeyStatus: Sendable, Equatable {
        public let accessible: Bool
        public let lastError: String?
        /// When the state was last decided, Unix milliseconds.
        public let checkedAt: Int64
    }

    enum CustomerKeyState: Sendable {
        case accessible(DataKey, checkedAt: Int64)
        case revoked(String, checkedAt: Int64)
        case unavailable(String, since: Int64, cached: DataKey?, checkedAt: Int64)
    }

    private let wrapper: DataKeyWrapper
    private let keys = Mutex<[String: DataKey]>([:])
    private let customerStates = Mutex<[String: CustomerKeyState]>([:])
    /// The vault client for customer-managed keys; nil when the installation has none.
    public let customerKeys: (any KeyWrapClient)?
    /// How long a registry keeps serving from its cached key while its vault is unreachable.
    public let unavailableGrace: Duration

    public init(hierarchy: KeyHierarchy, customerKeys: (any KeyWrapClient)? = nil, unavailableGrace: Duration = .seconds(300)) {
        self.wrapper = DataKeyWrapper(hierarchy: hierarchy)
        self.customerKeys = customerKeys
        self.unavailableGrace = unavailableGrace
    }

    /// The data key of `registry`. Service-managed keys are unwrapped on first use; a
    /// customer-managed key comes from its last validation (validated now if it never was).
    /// - Throws: ``RegistryError`` `DENIED` (revoked) or `UNAVAILABLE` (vault unreachable past the
    ///   grace period); ``CryptoFailure`` when the stored key does not open under this root key.
    public func dataKey(for registry: RegistryRecord) async throws -> DataKey {
        guard let binding = registry.customerKey else {
            if let cached = keys.withLock({ $0[registry.id] }) { return cached }
            let key = try wrapper.unwrap(registry.wrappedDataKey, registryID: registry.id, generation: registry.keyGeneration)
            keys.withLock { $0[registry.id] = key }
            return key
        }
        var state = customerStates.withLock { $0[registry.id] }
        if state == nil {
            await validate(registry)
            state = customerStates.withLock { $0[registry.id] }
        }
        switch state {
        case .accessible(let key, _)?:
            return key
        case .revoked(let reason, _)?:
            throw RegistryError(.denied, "the customer-managed key \(binding.versionedKeyID) of registry '\(registry.name)' is not accessible: \(reason)")
        case .unavailable(let reason, let since, let cached, _)?:
            if let cached, Self.now() - since < Self.milliseconds(unavailableGrace) { return cached }
            throw RegistryError(.unavailable, "the key vault of registry '\(registry.name)' has been unreachable since \(Self.iso(since)) (\(reason)); the grace period has passed")
        case nil:
            throw RegistryError(.unavailable, "the customer-managed key of registry '\(registry.name)' has not been validated")
        }
    }

    /// Asks the vault to unwrap the registry's data key, as the registry's identity, and records
    /// the outcome. Returns the new status.
    @discardableResult
    public func validate(_ registry: RegistryRecord) async -> CustomerKeyStatus? {
        guard let binding = registry.customerKey else { return nil }
        let now = Self.now()
        let next: CustomerKeyState
        do {
            guard let client = customerKeys else { throw KeyWrapFailure.unavailable("no key vault client is configured") }
            let inner = try wrapper.unwrapCustomerWrapped(registry.wrappedDataKey, registryID: registry.id, generation: registry.keyGeneration)
            var plain = try await client.unwrap(inner, keyID: binding.versionedKeyID, as: binding.identityObjectID)
            defer { Self.zero(&plain) }
            next = .accessible(try Self.dataKey(plain, of: registry), checkedAt: now)
        } catch let failure as KeyWrapFailure {
            switch failure {
            case .revoked(let reason):
                next = .revoked(reason, checkedAt: now)
            case .unavailable(let reason):
                next = customerStates.withLock { states -> CustomerKeyState in
                    switch states[registry.id] {
                    case .accessible(let key, _)?: .unavailable(reason, since: now, cached: key, checkedAt: now)
                    case .unavailable(_, let since, let cached, _)?: .unavailable(reason, since: since, cached: cached, checkedAt: now)
                    default: .unavailable(reason, since: now, cached: nil, checkedAt: now)
                    }
                }
            }
        } catch {
            next = .revoked("the stored data key does not open: \(error)", checkedAt: now)
        }
        customerStates.withLock { $0[registry.id] = next }
        return status(registryID: registry.id)
    }

    /// The last validation's outcome, or nil before the first one (or for service-managed registries).
    public func status(registryID: String) -> CustomerKeyStatus? {
        switch customerStates.withLock({ $0[registryID] }) {
        case .accessible(_, let at)?: CustomerKeyStatus(accessible: true, lastError: nil, checkedAt: at)
        case .revoked(let reason, let at)?: CustomerKeyStatus(accessible: false, lastError: reason, checkedAt: at)
        case .unavailable(let reason, _, let cached, let at)?: CustomerKeyStatus(accessible: cached != nil, lastError: reason, checkedAt: at)
        case nil: nil
        }
    }

    /// Wraps a new data key for a registry being created: service-managed (one layer), or through
    /// the customer-managed key first (two layers). The key must be an RSA key the identity can
    /// get, wrap with and unwrap with: all three are exercised here.
    /// - Returns: the stored form and, with a customer key, the binding (versioned key id).
    public func wrapNew(_ dataKey: DataKey, customerKey: (keyIdentifier: String, identity: String)?) async throws(KeyWrapFailure)
        -> (wrapped: [UInt8], binding: CustomerKeyBinding?) {
        guard let customerKey else {
            do { return (try wrapper.wrap(dataKey), nil) } catch { throw .unavailable("the data key could not be wrapped: \(error)") }
        }
        let binding = try await wrapThroughVault(dataKey, keyIdentifier: customerKey.keyIdentifier, identity: customerKey.identity)
        customerStates.withLock { $0[dataKey.registryID] = .accessible(dataKey, checkedAt: Self.now()) }
        return binding
    }

    /// Rotation: the data key stays; only its customer-key layer changes (O(1) whatever the data size).
    /// The current key must still unwrap (the data key comes from the vault, not from a cache).
    public func rewrap(_ registry: RegistryRecord, keyIdentifier: String, identity: String) async throws(KeyWrapFailure)
        -> (wrapped: [UInt8], binding: CustomerKeyBinding) {
        guard let binding = registry.customerKey, let client = customerKeys else {
            throw .revoked("registry '\(registry.name)' has no customer-managed key to rotate")
        }
        let inner: [UInt8]
        do {
            inner = try wrapper.unwrapCustomerWrapped(registry.wrappedDataKey, registryID: registry.id, generation: registry.keyGeneration)
        } catch {
            throw .revoked("the stored data key does not open: \(error)")
        }
        var plain = try await client.unwrap(inner, keyID: binding.versionedKeyID, as: binding.identityObjectID)
        defer { Self.zero(&plain) }
        let dataKey = try Self.dataKey(plain, of: registry)
        let result = try await wrapThroughVault(dataKey, keyIdentifier: keyIdentifier, identity: identity)
        customerStates.withLock { $0[registry.id] = .accessible(dataKey, checkedAt: Self.now()) }
        return (result.wrapped, result.binding!)
    }

    /// The data key from the bytes a vault unwrapped: anything but 32 bytes is the vault's fault
    /// (a wrong key, a hostile vault) and revokes, never traps.
    static func dataKey(_ plain: [UInt8], of registry: RegistryRecord) throws(KeyWrapFailure) -> DataKey {
        do {
            return try DataKey(registryID: registry.id, generation: registry.keyGeneration, key: SymmetricKey(data: plain))
        } catch {
            throw .revoked("the vault returned a data key of \(plain.count) bytes")
        }
    }

    private func wrapThroughVault(_ dataKey: DataKey, keyIdentifier: String, identity: String) async throws(KeyWrapFailure)
        -> (wrapped: [UInt8], binding: CustomerKeyBinding?) {
        guard let client = customerKeys else { throw .unavailable("no key vault client is configured") }
        let description = try await client.currentKey(keyIdentifier, as: identity)
        guard description.isPurgeProtected else {
            throw .revoked("the vault of \(description.keyID) does not have soft delete and purge protection (recoveryLevel \(description.recoveryLevel ?? "-"))")
        }
        let versioned = description.keyID
        var plain = dataKey.withUnsafeBytes { Array($0) }
        defer { Self.zero(&plain) }
        let (usedKey, inner) = try await client.wrap(plain, keyID: versioned, as: identity)
        var roundTrip = try await client.unwrap(inner, keyID: usedKey, as: identity)
        defer { Self.zero(&roundTrip) }
        guard roundTrip == plain else { throw .revoked("the key \(usedKey) did not unwrap what it wrapped") }
        do {
            let outer = try wrapper.wrapCustomerWrapped(inner, registryID: dataKey.registryID, generation: dataKey.generation)
            return (outer, CustomerKeyBinding(keyIdentifier: keyIdentifier, versionedKeyID: usedKey, identityObjectID: identity))
        } catch {
            throw .unavailable("the data key could not be sealed: \(error)")
        }
    }

    /// Drops the cached key and state of a registry (deleted).
    public func forget(registryID: String) {
        _ = keys.withLock { $0.removeValue(forKey: registryID) }
        _ = customerStates.withLock { $0.removeValue(forKey: registryID) }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Overwrites a transient plaintext copy of a data key before it is released.
    static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return }
            memset_s_portable(base, buffer.count)
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    static func iso(_ milliseconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

/// `memset` through a volatile-like path the optimizer keeps (the buffer is read back once).
@inline(never)
func memset_s_portable(_ pointer: UnsafeMutableRawPointer, _ count: Int) {
    memset(pointer, 0, count)
    _ = pointer.load(as: UInt8.self)
}
