import Crypto
import Foundation
import KuraCrypto
import KuraRegistry
import KuraStorage
import Synchronization
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

    @Test func anUnreachableVaultIsBridgedForTheGracePeriodOnly() async throws {
        let vault = SwitchableVault()
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault,
                                      unavailableGrace: .milliseconds(300))
        let (record, original) = try await Self.registry(keyring)
        vault.set(.unreachable("connection refused"))
        await keyring.validate(record)
        #expect(Self.bytes(try await keyring.dataKey(for: record)) == Self.bytes(original), "served from the cached key")
        #expect(keyring.status(registryID: "r-1")?.lastError == "connection refused")
        try await Task.sleep(for: .milliseconds(400))
        await keyring.validate(record)
        do {
            _ = try await keyring.dataKey(for: record)
            Issue.record("served past the grace period")
        } catch let error as RegistryError {
            #expect(error.code == .unavailable && error.code.status == 503)
        }
        vault.set(.answering)
        await keyring.validate(record)
        #expect(Self.bytes(try await keyring.dataKey(for: record)) == Self.bytes(original))
    }

    @Test func requestsNeverCallTheVault() async throws {
        let vault = SwitchableVault()
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault)
        let (record, _) = try await Self.registry(keyring)
        let before = vault.calls.load(ordering: .relaxed)
        for _ in 0..<100 { _ = try await keyring.dataKey(for: record) }
        #expect(vault.calls.load(ordering: .relaxed) == before)
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
