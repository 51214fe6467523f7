import Crypto
import Foundation
import KuraCore
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVault
import KuraKeyVaultHTTP
import KuraManagement
import KuraManagementHTTP
@testable import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import KuraStorage
import KuraTestSupport
import NIOHTTP1
import Synchronization
import Testing

/// The customer-key monitor: its start-up pass validates every CMK registry before any request
/// (issue 13, point 14), and vault events of this installation re-validate only their own keys.
@Suite struct CustomerKeyMonitorTests {
    /// A vault event of this installation re-validates only the registries whose key is in that
    /// vault (the filter the event path uses); keys elsewhere — a remote vault publishes no events
    /// here, and a remote vault of the same name is another vault — wait for the periodic pass,
    /// which validates every key.
    @Test func aLocalVaultEventValidatesOnlyKeysInThatVault() async throws {
        try await RemoteVaultStandIn.run { (registry: RegistryHarness, vault: RemoteVaultStandIn) async throws in
            let admin = try ARMAdmin(registry.server, dataDir: registry.dataDir)
            _ = try await admin.createRemoteKeyRegistry("remotecmk3")
            let fixture = try await CustomerKeyFixture.make(registry.server, dataDir: registry.dataDir, registry: "localcmk3")
            let monitor = registry.server.keyMonitor
            let local = try #require(try await registry.server.metadata.registry(named: "localcmk3")?.customerKey)
            #expect(monitor.localVaultName(of: local) == "cmkvault1")
            let namesake = CustomerKeyBinding(keyIdentifier: "https://cmkvault1.vault.azure.net/keys/k",
                                              versionedKeyID: "https://cmkvault1.vault.azure.net/keys/k/v1", identityObjectID: "oid")
            #expect(monitor.localVaultName(of: namesake) == nil)
            let before = (local: vault.localUnwraps.load(ordering: .relaxed), remote: vault.remoteUnwraps.load(ordering: .relaxed))
            await monitor.validate(where: { binding in monitor.localVaultName(of: binding) == "cmkvault1" })
            #expect(vault.localUnwraps.load(ordering: .relaxed) == before.local + 1)
            #expect(vault.remoteUnwraps.load(ordering: .relaxed) == before.remote)
            await monitor.validate(where: { _ in true })
            #expect(vault.localUnwraps.load(ordering: .relaxed) == before.local + 2)
            #expect(vault.remoteUnwraps.load(ordering: .relaxed) == before.remote + 1)
            _ = fixture
        }
    }

    /// After a restart, the start-up pass begins the validation of every CMK registry — a key in
    /// this installation's vault and a key in a remote vault — before any request; requests that
    /// arrive while those validations wait for their vaults share them and make no vault call of
    /// their own. (Before the fix nothing was validated at start and each of the first requests
    /// of each registry unwrapped its key itself; `RegistryKeyringTests.requestsNeverCallTheVault`
    /// shows that failure on the keyring alone.)
    @Test(.timeLimit(.minutes(2))) func startUpValidatesEveryCustomerKeyBeforeAnyRequest() async throws {
        let path = NSTemporaryDirectory() + "kura-cmk-start-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = KuraConfig()
        config.remoteVaultHosts = try RemoteVaultHosts(parsing: RemoteVaultStandIn.host)
        let keyBytes = RemoteVaultStandIn.newKey()
        let payload = Array("one layer, two registries".utf8)
        let digest = RegistryHarness.digest(payload)
        let names = ["localcmk2", "remotecmk2"]

        // The first run: one registry per kind of key, each with a blob.
        try await RegistryHarness.run(dataDir: path, config: config, vaultPath: { RemoteVaultStandIn($0, key: keyBytes) }) {
            (registry: RegistryHarness) async throws in
            _ = try await CustomerKeyFixture.make(registry.server, dataDir: path, registry: "localcmk2", adminUser: true)
            _ = try await ARMAdmin(registry.server, dataDir: path).createRemoteKeyRegistry("remotecmk2")
            for name in names {
                let reply = try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(digest)", body: payload,
                                                    auth: try await Self.auth(registry, name), host: "\(name).cr.localhost:8443")
                #expect(reply.status == 201)
            }
        }

        // The restart: nothing is known of either key until the start-up pass.
        let network = Mutex<RemoteVaultStandIn?>(nil)
        try await RegistryHarness.run(dataDir: path, config: config, vaultPath: { inner in
            let vault = RemoteVaultStandIn(inner, key: keyBytes)
            network.withLock { $0 = vault }
            return vault
        }) { (registry: RegistryHarness) async throws in
            let vault = try #require(network.withLock { $0 })
            let keyring = registry.server.provisioner.keyring
            var records: [RegistryRecord] = []
            for name in names { records.append(try #require(try await registry.server.metadata.registry(named: name))) }
            #expect(records.allSatisfy { keyring.status(registryID: $0.id) == nil })
            #expect(vault.unwraps.count == 0)

            vault.hold(next: 2)
            await registry.server.keyMonitor.startUp()
            // Both validations reach their vaults with no request made (a start-up that begins
            // none leaves this waiting until the time limit).
            await vault.unwraps.reached(2)
            #expect(vault.localUnwraps.load(ordering: .relaxed) == 1 && vault.remoteUnwraps.load(ordering: .relaxed) == 1)

            var auths: [String: RegistryHarness.Auth] = [:]
            for name in names { auths[name] = try await Self.auth(registry, name) }
            let requests = names.flatMap { name in Array(repeating: (name, auths[name]!), count: 3) }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (name, auth) in requests {
                    group.addTask {
                        let pull = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)", auth: auth, host: "\(name).cr.localhost:8443")
                        return pull.body == payload ? pull.status : -pull.status
                    }
                }
                // Every request now waits on its registry's validation — or, in a server whose requests
                // validate by themselves, has reached a vault.
                await yieldUntil { keyring.callersWaiting + (vault.unwraps.count - 2) >= requests.count }
                vault.release()
                for try await status in group { #expect(status == 200) }
            }
            #expect(vault.unwraps.count == 2, "one validation per registry, shared by its requests")
            for record in records { #expect(keyring.status(registryID: record.id)?.accessible == true) }
        }
    }

    static func auth(_ registry: RegistryHarness, _ name: String) async throws -> RegistryHarness.Auth {
        let record = try #require(try await registry.server.metadata.registry(named: name))
        return .basic(name, try #require(try registry.server.provisioner.adminCredentials(of: record)?.passwords.first))
    }

}

