import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraRegistry
import KuraStorage
import Synchronization
import KuraTestSupport
import Testing
import _CryptoExtras

/// The keyring's validator through the calls the server makes: a wall clock the test moves (no
/// sleeping through a grace period) and the validation begun at start-up.
@Suite struct RegistryKeyringValidatorTests {
    @Test func anUnreachableVaultIsBridgedForTheGracePeriodOnly() async throws {
        let vault = SwitchableVault()
        let clock = ManualClock(Date(timeIntervalSince1970: 1_700_000_000))
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), customerKeys: vault,
                                      unavailableGrace: .milliseconds(300), clock: clock)
        let (record, original) = try await RegistryKeyringTests.registry(keyring)
        vault.set(.unreachable("connection refused"))
        await keyring.validate(record)
        #expect(RegistryKeyringTests.bytes(try await keyring.dataKey(for: record)) == RegistryKeyringTests.bytes(original), "served from the cached key")
        #expect(keyring.status(registryID: "r-1")?.lastError == "connection refused")
        clock.advance(by: .milliseconds(299))
        #expect(RegistryKeyringTests.bytes(try await keyring.dataKey(for: record)) == RegistryKeyringTests.bytes(original), "still within the grace period")
        clock.advance(by: .milliseconds(101))
        await keyring.validate(record)
        do {
            _ = try await keyring.dataKey(for: record)
            Issue.record("served past the grace period")
        } catch let error as RegistryError {
            #expect(error.code == .unavailable && error.code.status == 503)
        }
        vault.set(.answering)
        await keyring.validate(record)
        #expect(RegistryKeyringTests.bytes(try await keyring.dataKey(for: record)) == RegistryKeyringTests.bytes(original))
    }

    /// Start-up begins the validation before any request; requests arriving meanwhile wait on it.
    @Test(.timeLimit(.minutes(1))) func theStartUpValidationIsTheOneRequestsWaitOn() async throws {
        let root = SymmetricKey(size: .bits256)
        let vault = GatedVault()
        let (record, original) = try await RegistryKeyringTests.registry(RegistryKeyring(hierarchy: KeyHierarchy(rootKey: root), customerKeys: vault))
        let keyring = RegistryKeyring(hierarchy: KeyHierarchy(rootKey: root), customerKeys: vault)
        let before = vault.unwraps.count
        vault.hold(next: 8)
        keyring.beginValidation(record)
        await vault.unwraps.reached(before + 1)
        #expect(keyring.status(registryID: "r-1") == nil, "not recorded before the vault answers")
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 {
                group.addTask { RegistryKeyringTests.bytes(try await keyring.dataKey(for: record)) }
            }
            // Every request now waits on the start-up validation — or has reached the vault itself.
            await yieldUntil { keyring.callersWaiting + (vault.unwraps.count - before - 1) >= 8 }
            vault.release()
            for try await key in group { #expect(key == RegistryKeyringTests.bytes(original)) }
        }
        #expect(vault.unwraps.count - before == 1, "the start-up validation served every request")
        #expect(await keyring.currentStatus(of: record)?.accessible == true)
    }
}

/// The keyring's wall clock, moved by the test.
