import Crypto
import Foundation
import KuraAPI
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
import KuraTestSupport
import NIOHTTP1
import Synchronization
import Testing

/// Registries whose customer-managed key lives in a remote vault are validated like any other
/// (issue 13, point 12), over the real registry plane and management API.
@Suite struct RemoteCustomerKeyTests {
    /// A registry whose key is in a remote vault: when that vault starts refusing everything (403),
    /// the monitor's periodic pass — called here directly, nothing sleeps — asks it again and the
    /// registry is revoked: pulls and pushes are denied and ARM shows `keyAccessible: false`; once
    /// the vault answers again, everything is back.
    /// (Before the fix the pass skipped every key outside this installation's vaults: the vault
    /// was never asked again, the pull answered 200 and ARM said `keyAccessible: true`.)
    @Test func aRemoteVaultThatRefusesRevokesItsRegistry() async throws {
        try await RemoteVaultStandIn.run { (registry: RegistryHarness, vault: RemoteVaultStandIn) async throws in
            let admin = try ARMAdmin(registry.server, dataDir: registry.dataDir)
            let armPath = try await admin.createRemoteKeyRegistry("remotecmk1")
            let record = try #require(try await registry.server.metadata.registry(named: "remotecmk1"))
            #expect(record.customerKey?.versionedKeyID == RemoteVaultStandIn.keyID)
            let password = try #require(try registry.server.provisioner.adminCredentials(of: record)?.passwords.first)
            let host = "remotecmk1.cr.localhost:8443"
            let auth = RegistryHarness.Auth.basic("remotecmk1", password)
            let payload = Array("a layer encrypted under a key in a remote vault".utf8)
            let digest = RegistryHarness.digest(payload)
            #expect(try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(digest)", body: payload, auth: auth, host: host).status == 201)

            vault.refuse("Caller is not authorized to perform action on resource. (403 Forbidden)")
            let asked = vault.unwraps.count
            await registry.server.keyMonitor.validate(where: { _ in true })
            #expect(vault.unwraps.count > asked, "the periodic pass asked the remote vault again")
            #expect(registry.server.provisioner.keyring.status(registryID: record.id)?.accessible == false)
            let pull = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)", auth: auth, host: host)
            #expect(pull.status == 403 && pull.errorCode == "DENIED")
            #expect(pull.text.contains("not authorized"))
            let other = Array("pushed while the key is refused".utf8)
            let push = try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(RegistryHarness.digest(other))", body: other,
                                               auth: auth, host: host)
            #expect(push.status == 403 && push.errorCode == "DENIED")
            let refused = try await admin.arm("GET", armPath, nil)
            #expect(refused?["properties"]?["encryption"]?["keyVaultProperties"]?["keyAccessible"]?.boolValue == false)
            #expect(refused?["properties"]?["encryption"]?["keyVaultProperties"]?["lastKeyError"]?.stringValue?.contains("not authorized") == true)

            vault.answer()
            await registry.server.keyMonitor.validate(where: { _ in true })
            let restored = try await registry.send(.GET, "/v2/team/app/blobs/\(digest)", auth: auth, host: host)
            #expect(restored.status == 200 && restored.body == payload)
            let shown = try await admin.arm("GET", armPath, nil)
            #expect(shown?["properties"]?["encryption"]?["keyVaultProperties"]?["keyAccessible"]?.boolValue == true)
        }
    }
}

/// ARM calls as the bootstrap admin (Owner of the subscription).
struct ARMAdmin {
    let server: KuraServer
    let admin: AdminCredentials

    init(_ server: KuraServer, dataDir: String) throws {
        self.server = server
        admin = try JSONDecoder().decode(AdminCredentials.self,
                                         from: Data(contentsOf: URL(fileURLWithPath: DataDirectory(path: dataDir).adminCredentialsFile)))
    }

    @discardableResult
    func arm(_ method: String, _ path: String, _ body: JSONValue?, version: String = "2026-09-01-preview") async throws -> JSONValue? {
        let caller = ManagementCaller(objectID: admin.objectId, grants: try await server.planes.access.grants(of: admin.objectId))
        return try await server.planes.management.handle(ManagementRequest(method: method, path: path, query: ["api-version": version],
                                                                        body: body, caller: caller)).body
    }

    /// A group, a user-assigned identity and a Premium registry (admin user on) whose key is
    /// ``RemoteVaultStandIn/keyID``; returns the registry's ARM id.
    func createRemoteKeyRegistry(_ name: String) async throws -> String {
        let group = "/subscriptions/\(server.installation.subscriptionId)/resourceGroups/remotekey\(name)"
        try await arm("PUT", group, ["location": "eastus"], version: "2024-11-01")
        let identity = try #require(try await arm("PUT", "\(group)/providers/Microsoft.ManagedIdentity/userAssignedIdentities/\(name)id",
                                                  ["location": "eastus"], version: "2024-11-30"))
        let identityID = try #require(identity["id"]?.stringValue)
        let clientID = try #require(identity["properties"]?["clientId"])
        let path = "\(group)/providers/Microsoft.ContainerRegistry/registries/\(name)"
        try await arm("PUT", path, [
            "location": "eastus", "sku": ["name": "Premium"],
            "identity": ["type": "UserAssigned", "userAssignedIdentities": .object([identityID: [:]])],
            "properties": ["adminUserEnabled": true,
                           "encryption": ["status": "enabled", "keyVaultProperties": ["keyIdentifier": .string(RemoteVaultStandIn.keyID),
                                                                                      "identity": clientID]]],
        ])
        return path
    }
}

/// A Key Vault on another host (allowed by `keys.remoteVaultHosts`) as kura's HTTPS client would
/// report it: it answers, or refuses everything as Key Vault does with 403 (the client maps
/// 401/403/404 to a refusal). Calls for any other key go to the real client (this installation's
/// vaults). Unwrap calls — remote and local — can be held until ``release()``, and are counted.
final class RemoteVaultStandIn: KeyWrapClient {
    static let host = "kv.example.com"
    static let keyID = "https://kv.example.com/keys/k/v1"

    let inner: any KeyWrapClient
    /// The key "in the vault" (AES-GCM stands for RSA-OAEP: what is tested is who asks when).
    let key: [UInt8]
    private let refusal = Mutex<String?>(nil)
    let remoteUnwraps = Atomic<Int>(0)
    let localUnwraps = Atomic<Int>(0)
    /// Every unwrap call, counted once it is held or let through.
    let unwraps = Arrivals()

    init(_ inner: any KeyWrapClient, key: [UInt8]) {
        self.inner = inner
        self.key = key
    }

    static func newKey() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    /// A registry plane whose vault path goes through a stand-in remote vault, whose host the
    /// configuration allows.
    static func run(_ body: @Sendable (RegistryHarness, RemoteVaultStandIn) async throws -> Void) async throws {
        var config = KuraConfig()
        config.remoteVaultHosts = try RemoteVaultHosts(parsing: host)
        let network = Mutex<RemoteVaultStandIn?>(nil)
        let keyBytes = newKey()
        try await RegistryHarness.run(config: config, vaultPath: { inner in
            let vault = RemoteVaultStandIn(inner, key: keyBytes)
            network.withLock { $0 = vault }
            return vault
        }) { registry in
            try await body(registry, try #require(network.withLock { $0 }))
        }
    }

    func refuse(_ reason: String) { refusal.withLock { $0 = reason } }
    func answer() { refusal.withLock { $0 = nil } }

    /// Holds the next `count` unwrap calls until ``release()``.
    func hold(next count: Int) { unwraps.hold(next: count) }

    func release() { unwraps.release() }

    func isRemote(_ keyID: String) -> Bool { URLComponents(string: keyID)?.host?.lowercased() == Self.host }

    func check() throws(KeyWrapFailure) {
        if let reason = refusal.withLock({ $0 }) { throw .revoked(reason) }
    }

    func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription {
        guard isRemote(keyID) else { return try await inner.currentKey(keyID, as: identity) }
        try check()
        return VaultKeyDescription(keyID: Self.keyID, recoveryLevel: "Recoverable")
    }

    func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8]) {
        guard isRemote(keyID) else { return try await inner.wrap(bytes, keyID: keyID, as: identity) }
        try check()
        do {
            guard let sealed = try AES.GCM.seal(bytes, using: SymmetricKey(data: key)).combined else { throw KeyWrapFailure.unavailable("seal") }
            return (Self.keyID, Array(sealed))
        } catch {
            throw .unavailable("the stand-in could not wrap: \(error)")
        }
    }

    func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8] {
        let answer: Result<[UInt8], KeyWrapFailure>
        if isRemote(keyID) {
            remoteUnwraps.add(1, ordering: .relaxed)
            answer = remoteUnwrap(wrapped)
        } else {
            localUnwraps.add(1, ordering: .relaxed)
            answer = await outcome { () async throws(KeyWrapFailure) in try await inner.unwrap(wrapped, keyID: keyID, as: identity) }
        }
        await unwraps.pass()
        return try answer.get()
    }

    func remoteUnwrap(_ wrapped: [UInt8]) -> Result<[UInt8], KeyWrapFailure> {
        if let reason = refusal.withLock({ $0 }) { return .failure(.revoked(reason)) }
        do {
            return .success(Array(try AES.GCM.open(AES.GCM.SealedBox(combined: Data(wrapped)), using: SymmetricKey(data: key))))
        } catch {
            return .failure(.revoked("the key did not unwrap these bytes"))
        }
    }
}

