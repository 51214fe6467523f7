// kura — a self-hosted encrypted container registry.
// RegistryKeyring: the unwrapped data keys of registries, in memory only, and each customer key's state.

import Crypto
import Foundation
public import KuraCore
public import KuraCrypto
import Synchronization

/// Unwraps each registry's data key once and keeps it in memory (never on disk; swift-crypto
/// zeroes a key's storage when the last reference goes).
///
/// A registry with a customer-managed key is in one of three states, decided by asking the vault
/// to unwrap its data key (a *validation*: at start, periodically and on vault events — see
/// `CustomerKeyMonitor` — never once per request):
/// - `accessible`: the vault unwrapped the key; requests use the cached data key;
/// - `revoked(reason)`: the vault refused (access removed, key disabled, deleted); the data key is
///   dropped and every data request is denied naming the key and the reason;
/// - `unavailable(since)`: the vault could not be reached; the cached key (if any) serves for
///   ``unavailableGrace``, then requests get 503 until the vault answers again.
///
/// Each registry has one serialized validator: its validations run one at a time, in the order
/// they were asked for. A caller of ``validate(_:)`` always gets a validation that asks the vault
/// after the call (callers arriving while one waits to start share it), so a vault event is never
/// answered by a check that began before it. A request that finds no recorded state yet waits on
/// the validation in flight — all of them on the same one — instead of asking the vault itself.
/// Every recorded state carries the logical time its check began (a counter of this keyring, not
/// the wall clock); a result older than the recorded one (a check that began before a key was
/// wrapped or rotated) is dropped.
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

    /// What one validation learned from the vault.
    enum Outcome: Sendable {
        case opened(DataKey)
        case refused(String)
        case unreachable(String)
    }

    /// One validation of one registry: a task that waits for the registry's previous validation,
    /// then asks the vault.
    struct Pass: Sendable {
        let id: UInt64
        let task: Task<Void, Never>
        /// The record it validates: the newest one a caller sharing the pass handed in.
        var record: RegistryRecord
    }

    /// One registry's validator.
    struct Validator: Sendable {
        /// The logical time the recorded state's check began; a result whose check began earlier
        /// is dropped. A new validator starts at its creation time.
        var stamp: UInt64
        var state: CustomerKeyState? = nil
        /// The validation asking the vault now.
        var running: Pass? = nil
        /// The validation that starts when `running` ends; every caller arriving meanwhile shares it.
        var queued: Pass? = nil
    }

    struct Validators: Sendable {
        var registries: [String: Validator] = [:]
        /// The keyring's logical clock: each validation start and each recorded wrap takes a tick.
        var clock: UInt64 = 0

        mutating func tick() -> UInt64 {
            clock &+= 1
            return clock
        }
    }

    enum Lookup: Sendable {
        case recorded(CustomerKeyState)
        case pending(Task<Void, Never>)
    }

    private let wrapper: DataKeyWrapper
    private let keys = Mutex<[String: DataKey]>([:])
    private let validators = Mutex<Validators>(Validators())
    private let waiting = Atomic<Int>(0)
    /// The vault client for customer-managed keys; nil when the installation has none.
    public let customerKeys: (any KeyWrapClient)?
    /// How long a registry keeps serving from its cached key while its vault is unreachable.
    public let unavailableGrace: Duration
    /// The wall clock (`checkedAt`, the grace period); tests drive their own.
    let clock: any WallClock

    public init(hierarchy: KeyHierarchy, customerKeys: (any KeyWrapClient)? = nil, unavailableGrace: Duration = .seconds(300),
                clock: any WallClock = SystemClock()) {
        self.wrapper = DataKeyWrapper(hierarchy: hierarchy)
        self.customerKeys = customerKeys
        self.unavailableGrace = unavailableGrace
        self.clock = clock
    }

    /// The data key of `registry`. Service-managed keys are unwrapped on first use; a
    /// customer-managed key comes from its last validation. Before a registry's first validation
    /// has been recorded (just after a start), the request waits for the validation in flight —
    /// every request the same one; it begins that one only if none is in flight.
    /// - Throws: ``RegistryError`` `DENIED` (revoked) or `UNAVAILABLE` (vault unreachable past the
    ///   grace period); ``CryptoFailure`` when the stored key does not open under this root key.
    public func dataKey(for registry: RegistryRecord) async throws -> DataKey {
        guard let binding = registry.customerKey else {
            if let cached = keys.withLock({ $0[registry.id] }) { return cached }
            let key = try wrapper.unwrap(registry.wrappedDataKey, registryID: registry.id, generation: registry.keyGeneration)
            keys.withLock { $0[registry.id] = key }
            return key
        }
        switch await settledState(of: registry) {
        case .accessible(let key, _)?:
            return key
        case .revoked(let reason, _)?:
            throw RegistryError(.denied, "the customer-managed key \(binding.versionedKeyID) of registry '\(registry.name)' is not accessible: \(reason)")
        case .unavailable(let reason, let since, let cached, _)?:
            if let cached, clock.milliseconds - since < unavailableGrace.milliseconds { return cached }
            throw RegistryError(.unavailable, "the key vault of registry '\(registry.name)' has been unreachable since \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(since) / 1000))) (\(reason)); the grace period has passed")
        case nil:
            throw RegistryError(.unavailable, "the customer-managed key of registry '\(registry.name)' has not been validated")
        }
    }

    /// Asks the vault to unwrap the registry's data key, as the registry's identity, and records
    /// the outcome; returns the status then recorded. The vault is asked after this call began:
    /// a validation already asking it is waited for, not reused (it may have asked before the
    /// change this call reacts to).
    @discardableResult
    public func validate(_ registry: RegistryRecord) async -> CustomerKeyStatus? {
        guard registry.customerKey != nil else { return nil }
        let pass = validators.withLock { enqueue(registry, &$0) }
        await wait(for: pass)
        return status(registryID: registry.id)
    }

    /// Callers — requests and validations — waiting now for a validation in flight to end.
    public var callersWaiting: Int { waiting.load(ordering: .relaxed) }

    private func wait(for pass: Task<Void, Never>) async {
        waiting.add(1, ordering: .relaxed)
        await pass.value
        waiting.subtract(1, ordering: .relaxed)
    }

    /// Begins a validation like ``validate(_:)`` without waiting for it (start-up: every CMK
    /// registry's validation is in flight before the listeners serve, and requests wait on it).
    public func beginValidation(_ registry: RegistryRecord) {
        guard registry.customerKey != nil else { return }
        _ = validators.withLock { enqueue(registry, &$0) }
    }

    /// The recorded status; before the registry's first validation has recorded one, waits for
    /// the validation in flight (or begins the one every later caller shares), as a request does.
    public func currentStatus(of registry: RegistryRecord) async -> CustomerKeyStatus? {
        guard registry.customerKey != nil else { return nil }
        return Self.status(of: await settledState(of: registry))
    }

    /// The last validation's outcome, or nil before the first one (or for service-managed registries).
    public func status(registryID: String) -> CustomerKeyStatus? {
        Self.status(of: validators.withLock { $0.registries[registryID]?.state })
    }

    static func status(of state: CustomerKeyState?) -> CustomerKeyStatus? {
        switch state {
        case .accessible(_, let at)?: CustomerKeyStatus(accessible: true, lastError: nil, checkedAt: at)
        case .revoked(let reason, let at)?: CustomerKeyStatus(accessible: false, lastError: reason, checkedAt: at)
        case .unavailable(let reason, _, let cached, let at)?: CustomerKeyStatus(accessible: cached != nil, lastError: reason, checkedAt: at)
        case nil: nil
        }
    }

    // MARK: The validator

    /// The recorded state; when there is none yet, waits for the registry's validation in flight,
    /// or begins one (which every caller arriving meanwhile shares).
    private func settledState(of registry: RegistryRecord) async -> CustomerKeyState? {
        // Twice at most: the pass joined may end without recording (the registry was forgotten meanwhile).
        for _ in 0..<2 {
            let lookup: Lookup = validators.withLock { validators in
                if let validator = validators.registries[registry.id] {
                    if let state = validator.state { return .recorded(state) }
                    if let pass = validator.running ?? validator.queued { return .pending(pass.task) }
                }
                return .pending(enqueue(registry, &validators))
            }
            switch lookup {
            case .recorded(let state): return state
            case .pending(let pass): await wait(for: pass)
            }
        }
        return validators.withLock { $0.registries[registry.id]?.state }
    }

    /// Under the lock: the validation a caller that needs a fresh answer waits for — the queued
    /// one if there is one (it has not asked the vault yet), else a new one queued behind the
    /// running one.
    private func enqueue(_ registry: RegistryRecord, _ validators: inout Validators) -> Task<Void, Never> {
        if let queued = validators.registries[registry.id]?.queued {
            validators.registries[registry.id]?.queued?.record = registry
            return queued.task
        }
        let id = validators.tick()
        if validators.registries[registry.id] == nil { validators.registries[registry.id] = Validator(stamp: id) }
        let previous = validators.registries[registry.id]?.running?.task
        let registryID = registry.id
        let task = Task { [self] in
            _ = await previous?.value
            await runPass(id, registryID: registryID)
        }
        validators.registries[registry.id]?.queued = Pass(id: id, task: task, record: registry)
        return task
    }

    /// One validation: becomes the running one (taking its stamp before the vault is asked), asks
    /// the vault, and records the outcome unless a newer one was recorded meanwhile.
    private func runPass(_ id: UInt64, registryID: String) async {
        let begun: (record: RegistryRecord, stamp: UInt64, at: Int64)? = validators.withLock { validators in
            // A registry forgotten (deleted) after the pass was queued is not validated.
            guard let queued = validators.registries[registryID]?.queued, queued.id == id else { return nil }
            validators.registries[registryID]?.running = queued
            validators.registries[registryID]?.queued = nil
            return (queued.record, validators.tick(), clock.milliseconds)
        }
        guard let begun else { return }
        let outcome = await check(begun.record)
        validators.withLock { validators in
            guard var validator = validators.registries[registryID] else { return }
            if validator.running?.id == id { validator.running = nil }
            if begun.stamp > validator.stamp {
                validator.state = Self.state(after: validator.state, outcome, at: begun.at)
                validator.stamp = begun.stamp
            }
            validators.registries[registryID] = validator
        }
    }

    /// Asks the vault to unwrap the registry's data key as its identity.
    private func check(_ registry: RegistryRecord) async -> Outcome {
        guard let binding = registry.customerKey else { return .refused("registry '\(registry.name)' has no customer-managed key") }
        do {
            guard let client = customerKeys else { throw KeyWrapFailure.unavailable("no key vault client is configured") }
            let inner = try wrapper.unwrapCustomerWrapped(registry.wrappedDataKey, registryID: registry.id, generation: registry.keyGeneration)
            var plain = try await client.unwrap(inner, keyID: binding.versionedKeyID, as: binding.identityObjectID)
            defer { Self.zero(&plain) }
            return .opened(try Self.dataKey(plain, of: registry))
        } catch let failure as KeyWrapFailure {
            switch failure {
            case .revoked(let reason): return .refused(reason)
            case .unavailable(let reason): return .unreachable(reason)
            }
        } catch {
            return .refused("the stored data key does not open: \(error)")
        }
    }

    /// The state a validation's outcome leads to from `previous`: an unreachable vault keeps the
    /// cached key (and the time it became unreachable) for the grace period.
    static func state(after previous: CustomerKeyState?, _ outcome: Outcome, at now: Int64) -> CustomerKeyState {
        switch outcome {
        case .opened(let key):
            return .accessible(key, checkedAt: now)
        case .refused(let reason):
            return .revoked(reason, checkedAt: now)
        case .unreachable(let reason):
            switch previous {
            case .accessible(let key, _)?: return .unavailable(reason, since: now, cached: key, checkedAt: now)
            case .unavailable(_, let since, let cached, _)?: return .unavailable(reason, since: since, cached: cached, checkedAt: now)
            default: return .unavailable(reason, since: now, cached: nil, checkedAt: now)
            }
        }
    }

    /// Records `state` as of now (a key just wrapped or rotated through the vault): validations
    /// that began earlier and end later do not overwrite it.
    private func record(_ state: CustomerKeyState, registryID: String) {
        validators.withLock { validators in
            let stamp = validators.tick()
            if validators.registries[registryID] == nil { validators.registries[registryID] = Validator(stamp: stamp) }
            validators.registries[registryID]?.state = state
            validators.registries[registryID]?.stamp = stamp
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
        record(.accessible(dataKey, checkedAt: clock.milliseconds), registryID: dataKey.registryID)
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
        record(.accessible(dataKey, checkedAt: clock.milliseconds), registryID: registry.id)
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

    /// Drops the cached key and state of a registry (deleted); a validation of it still in flight
    /// records nothing.
    public func forget(registryID: String) {
        _ = keys.withLock { $0.removeValue(forKey: registryID) }
        _ = validators.withLock { $0.registries.removeValue(forKey: registryID) }
    }

    /// Overwrites a transient plaintext copy of a data key before it is released.
    static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return }
            memset_s_portable(base, buffer.count)
        }
    }

}

/// `memset` through a volatile-like path the optimizer keeps (the buffer is read back once).
@inline(never)
func memset_s_portable(_ pointer: UnsafeMutableRawPointer, _ count: Int) {
    memset(pointer, 0, count)
    _ = pointer.load(as: UInt8.self)
}
