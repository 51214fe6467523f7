import Foundation
import KuraCore
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVault
import KuraKeyVaultHTTP
import KuraManagement
import KuraManagementHTTP
import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import KuraStorage
import NIOHTTP1
import Synchronization
import Testing

/// A CMK registry whose vault becomes unreachable, served over HTTP by the real registry plane:
/// pulls continue from the cached key for the grace period, then answer 503, and everything is
/// back, byte for byte, once the vault answers again. The grace period passes on the server's
/// clock, which the test moves (no window a slow pull could miss).
@Suite struct CustomerKeyAvailabilityTests {
    @Test func anUnreachableVaultIsBridgedThen503ThenRecovered() async throws {
        let path = NSTemporaryDirectory() + "kura-cmk-grace-" + UUID().uuidString
        var config = KuraConfig()
        config.keyUnavailableGrace = .seconds(300)
        let network = Mutex<PartitionableVaultPath?>(nil)
        try await RegistryHarness.run(dataDir: path, config: config, vaultPath: { inner in
            let path = PartitionableVaultPath(inner)
            network.withLock { $0 = path }
            return path
        }) { (registry: RegistryHarness) async throws in
            let fixture = try await CustomerKeyFixture.make(registry.server, dataDir: path, registry: "cmkgrace1", adminUser: true)
            let record = try #require(try await registry.server.provisioner.registry(named: "cmkgrace1"))
            let password = try #require(try registry.server.provisioner.adminCredentials(of: record)?.passwords.first)
            let host = "cmkgrace1.cr.localhost:8443"
            let auth = RegistryHarness.Auth.basic("cmkgrace1", password)
            let payload = Array((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let digest = RegistryHarness.digest(payload)
            let pushed = try await registry.send(.POST, "/v2/grace/app/blobs/uploads/?digest=\(digest)", body: payload, auth: auth, host: host)
            #expect(pushed.status == 201)
            func pull() async throws -> RegistryHarness.Reply {
                try await registry.send(.GET, "/v2/grace/app/blobs/\(digest)", auth: auth, host: host)
            }
            let vault = try #require(network.withLock { $0 })
            let keyring = registry.server.provisioner.keyring

            vault.partitioned.store(true, ordering: .relaxed)
            await keyring.validate(record)
            let bridged = try await pull()
            #expect(bridged.status == 200 && bridged.body == payload, "within the grace period the cached key serves")
            #expect(keyring.status(registryID: record.id)?.lastError?.contains("partition") == true)

            registry.clock.advance(by: .seconds(301))
            await keyring.validate(record)
            let refused = try await pull()
            #expect(refused.status == 503 && refused.errorCode == "UNAVAILABLE", "\(refused.status) \(refused.text.prefix(300))")
            #expect(refused.text.contains("unreachable"))
            let token = try await registry.send(.GET, "/oauth2/token?service=cmkgrace1.cr.localhost&scope=repository:grace/app:pull",
                                                auth: auth, host: host)
            #expect(token.status == 200, "the token endpoint keeps working")

            vault.partitioned.store(false, ordering: .relaxed)
            await keyring.validate(record)
            let recovered = try await pull()
            #expect(recovered.status == 200 && recovered.body == payload, "the same bytes after recovery")
            _ = fixture
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
