import Crypto
import Foundation
import KuraCrypto
import KuraRegistry
import KuraStorage
import Synchronization
import KuraTestSupport
import Testing
import _CryptoExtras

/// A key vault stand-in that can be switched between answering, refusing and being unreachable:
/// the faults a network partition or a policy change cause, which a live vault cannot be told to
/// produce on demand. Wrapping is real RSA-OAEP-256.
final class SwitchableVault: KeyWrapClient {
    enum Mode { case answering, refusing(String), unreachable(String) }
    private let mode = Mutex<Mode>(.answering)
    let calls = Atomic<Int>(0)
    let key = try! VaultRSAKey()
    let keyID = "https://kv1.vault.localhost:8443/keys/k/v1"

    func set(_ new: Mode) { mode.withLock { $0 = new } }

    func check() throws(KeyWrapFailure) {
        calls.add(1, ordering: .relaxed)
        switch mode.withLock({ $0 }) {
        case .answering: return
        case .refusing(let reason): throw .revoked(reason)
        case .unreachable(let reason): throw .unavailable(reason)
        }
    }

    func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription {
        try check()
        return VaultKeyDescription(keyID: self.keyID, recoveryLevel: "Recoverable")
    }

    func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8]) {
        try check()
        return (self.keyID, try key.encrypt(bytes))
    }

    func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8] {
        try check()
        return try key.decrypt(wrapped)
    }
}

/// An RSA-2048 key kept as DER (swift-crypto's key types are not Sendable).
struct VaultRSAKey: Sendable {
    let der: Data
    init() throws { der = try _RSA.Encryption.PrivateKey(keySize: .bits2048).derRepresentation }
    func encrypt(_ bytes: [UInt8]) throws(KeyWrapFailure) -> [UInt8] {
        do {
            return Array(try _RSA.Encryption.PrivateKey(derRepresentation: der).publicKey.encrypt(bytes, padding: .PKCS1_OAEP_SHA256))
        } catch { throw .revoked("wrap failed") }
    }
    func decrypt(_ bytes: [UInt8]) throws(KeyWrapFailure) -> [UInt8] {
        do { return Array(try _RSA.Encryption.PrivateKey(derRepresentation: der).decrypt(bytes, padding: .PKCS1_OAEP_SHA256)) } catch {
            throw .revoked("unwrap failed")
        }
    }
}

/// A vault whose unwrap calls can be held: a held call gets its answer when it arrives (as a
/// vault decides it), then waits until ``release()`` — a slow vault, or a check overtaken by a
/// later one. Counts the unwrap calls that reached it.
final class GatedVault: KeyWrapClient {
    let vault = SwitchableVault()
    /// Unwrap calls that reached the vault (counted once each has its answer and is held or let through).
    let unwraps = Arrivals()

    func set(_ mode: SwitchableVault.Mode) { vault.set(mode) }

    /// Holds the next `count` unwrap calls until ``release()``.
    func hold(next count: Int) { unwraps.hold(next: count) }

    /// Lets every held call answer, and holds no more.
    func release() { unwraps.release() }

    func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription {
        try await vault.currentKey(keyID, as: identity)
    }

    func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8]) {
        try await vault.wrap(bytes, keyID: keyID, as: identity)
    }

    func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8] {
        let answer = await outcome { () async throws(KeyWrapFailure) in try await vault.unwrap(wrapped, keyID: keyID, as: identity) }
        await unwraps.pass()
        return try answer.get()
    }
}


@Suite struct RegistryKeyringTests {
    static func registry(_ keyring: RegistryKeyring) async throws -> (RegistryRecord, DataKey) {
        let dataKey = DataKey.generate(registryID: "r-1")
        let (wrapped, binding) = try await keyring.wrapNew(dataKey, customerKey: (keyIdentifier: "https://kv1.vault.localhost:8443/keys/k", identity: "oid"))
        #expect(binding?.versionedKeyID == "https://kv1.vault.localhost:8443/keys/k/v1" && binding?.identityObjectID == "oid")
        #expect(Array(wrapped.prefix(4)) == Array("KWC1".utf8), "two layers: the vault's, sealed by the service key")
        return (RegistryRecord(id: "r-1", name: "reg", wrappedDataKey: wrapped, keyGeneration: 1, createdAt: 0, customerKey: binding), dataKey)
    }

    static func bytes(_ key: DataKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    @Test func revocationDropsTheKeyAndRestoreBringsItBack() async throws {
        let vault = SwitchableVault()
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault)
        let (record, original) = try await Self.registry(keyring)
        #expect(Self.bytes(try await keyring.dataKey(for: record)) == Self.bytes(original))

        vault.set(.refusing("no unwrapKey permission"))
        #expect(await keyring.validate(record) == keyring.status(registryID: "r-1"))
        #expect(keyring.status(registryID: "r-1")?.accessible == false)
        do {
            _ = try await keyring.dataKey(for: record)
            Issue.record("a revoked key still served")
        } catch let error as RegistryError {
            #expect(error.code == .denied && error.message.contains("keys/k/v1") && error.message.contains("no unwrapKey permission"))
        }
        vault.set(.answering)
        await keyring.validate(record)
        #expect(Self.bytes(try await keyring.dataKey(for: record)) == Self.bytes(original))
    }

    // MARK: One serialized validator per registry (issue 13, points 13 and 14)

    /// After a restart the keyring has no state: concurrent requests to a CMK registry wait on one
    /// validation, and once it is recorded requests never call the vault. (The old version of this
    /// test seeded the keyring with `wrapNew`, so the request-path validation never ran. On the
    /// code before the fix each of the concurrent requests asked the vault itself: 16 unwraps.)
    @Test(.timeLimit(.minutes(1))) func requestsNeverCallTheVault() async throws {
        let root = SymmetricKey(size: .bits256)
        let vault = GatedVault()
        let (record, original) = try await Self.registry(RegistryKeyring(hierarchy: KeyHierarchy(rootKey: root), customerKeys: vault))
        // The restart: the same root key and vault, nothing cached.
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: root), customerKeys: vault)
        let requests = 16
        let before = vault.unwraps.count
        vault.hold(next: requests)
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<requests {
                group.addTask { Self.bytes(try await keyring.dataKey(for: record)) }
            }
            await vault.unwraps.reached(before + 1)
            // Every request now waits on the one validation — or, in a keyring that validates per
            // request, has reached the vault itself (held there).
            await yieldUntil { keyring.callersWaiting + (vault.unwraps.count - before) >= requests }
            vault.release()
            for try await key in group { #expect(key == Self.bytes(original)) }
        }
        #expect(vault.unwraps.count - before == 1, "\(requests) concurrent requests share one validation")
        let settled = vault.unwraps.count
        for _ in 0..<100 { _ = try await keyring.dataKey(for: record) }
        #expect(vault.unwraps.count == settled, "requests do not call the vault once a state is recorded")
    }

    /// A periodic check and an event-driven check of one registry: the event's check (the vault
    /// now refuses) asks the vault only after the periodic one (which found the key usable) has
    /// ended, so "revoked" is what stays. (Before the fix both ran at once and the last to finish
    /// won: the older "accessible" overwrote the newer "revoked" — keyAccessible true, pulls served.)
    @Test(.timeLimit(.minutes(1))) func anOlderAccessibleCheckDoesNotOverwriteANewerRefusal() async throws {
        let vault = GatedVault()
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault)
        let (record, _) = try await Self.registry(keyring)
        let before = vault.unwraps.count
        vault.hold(next: 1)
        let periodic = Task { await keyring.validate(record) }
        await vault.unwraps.reached(before + 1)
        // The periodic check has its answer (the key unwrapped) on its way; now access is removed.
        vault.set(.refusing("the identity has no unwrapKey permission"))
        let event = Task { await keyring.validate(record) }
        // The event's check now waits behind the periodic one (two callers waiting) — or, in a
        // keyring that does not serialize, has asked the vault and recorded at once.
        await yieldUntil {
            keyring.callersWaiting >= 2 || (vault.unwraps.count >= before + 2 && keyring.status(registryID: "r-1")?.accessible == false)
        }
        vault.release()
        _ = await periodic.value
        let afterEvent = await event.value
        #expect(afterEvent?.accessible == false)
        #expect(keyring.status(registryID: "r-1")?.accessible == false, "the newer refusal stays")
        #expect(keyring.status(registryID: "r-1")?.lastError == "the identity has no unwrapKey permission")
        #expect(vault.unwraps.count - before == 2)
        do {
            _ = try await keyring.dataKey(for: record)
            Issue.record("a revoked key still served")
        } catch let error as RegistryError {
            #expect(error.code == .denied)
        }
    }

    /// A check that began before a rotation and ends after it is older than the rotation's state
    /// and is dropped. (Before the fix the last to finish won: the old check's "revoked" replaced
    /// the rotation's "accessible".)
    @Test func aCheckOlderThanTheRecordedStateIsDropped() async throws {
        let vault = GatedVault()
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault)
        let (record, original) = try await Self.registry(keyring)
        let before = vault.unwraps.count
        vault.set(.refusing("the key is disabled"))
        vault.hold(next: 1)
        let stale = Task { await keyring.validate(record) }
        await vault.unwraps.reached(before + 1)
        // The check has its answer (refused) on its way; the key is enabled again and rotated.
        vault.set(.answering)
        let (wrapped, binding) = try await keyring.rewrap(record, keyIdentifier: "https://kv1.vault.localhost:8443/keys/k2", identity: "oid")
        #expect(keyring.status(registryID: "r-1")?.accessible == true)
        vault.release()
        _ = await stale.value
        #expect(keyring.status(registryID: "r-1")?.accessible == true, "the older refusal was dropped")
        var rotated = record
        rotated.wrappedDataKey = wrapped
        rotated.customerKey = binding
        #expect(Self.bytes(try await keyring.dataKey(for: rotated)) == Self.bytes(original))
    }

    /// A check still asking the vault when its registry is deleted records nothing. (Before the
    /// fix it put the deleted registry's state, data key included, back into the keyring.)
    @Test func aDeletedRegistryKeepsNoState() async throws {
        let vault = GatedVault()
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault)
        let (record, _) = try await Self.registry(keyring)
        let before = vault.unwraps.count
        vault.hold(next: 1)
        let pending = Task { await keyring.validate(record) }
        await vault.unwraps.reached(before + 1)
        keyring.forget(registryID: "r-1")
        vault.release()
        _ = await pending.value
        #expect(keyring.status(registryID: "r-1") == nil)
    }

    @Test func rotationKeepsTheDataKeyAndNeedsTheCurrentKey() async throws {
        let vault = SwitchableVault()
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault)
        let (record, original) = try await Self.registry(keyring)
        let (wrapped, binding) = try await keyring.rewrap(record, keyIdentifier: "https://kv1.vault.localhost:8443/keys/k2", identity: "oid2")
        #expect(wrapped != record.wrappedDataKey && binding.identityObjectID == "oid2" && binding.keyIdentifier.hasSuffix("/k2"))
        var rotated = record
        rotated.wrappedDataKey = wrapped
        rotated.customerKey = binding
        await keyring.validate(rotated)
        #expect(Self.bytes(try await keyring.dataKey(for: rotated)) == Self.bytes(original))
        vault.set(.refusing("key disabled"))
        await #expect(throws: KeyWrapFailure.revoked("key disabled")) {
            _ = try await keyring.rewrap(rotated, keyIdentifier: "https://kv1.vault.localhost:8443/keys/k3", identity: "oid2")
        }
    }
}
