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
import Synchronization
import Testing

/// Sets up, through the real management and Key Vault services of an in-process server, what the
/// seed sets up with az: a group, a user-assigned identity, a vault with purge protection and a
/// policy for it, an RSA key, and a Premium registry encrypted with that key.
struct CustomerKeyFixture {
    let server: KuraServer
    let admin: AdminCredentials
    /// Object id of the registry's identity.
    let principal: String
    let vaultPath: String
    let registryPath: String
    let keyID: String

    static let group = "cmkrg"

    static func make(_ server: KuraServer, dataDir: String, registry: String, adminUser: Bool = false) async throws -> CustomerKeyFixture {
        let admin = try JSONDecoder().decode(AdminCredentials.self,
                                             from: Data(contentsOf: URL(fileURLWithPath: DataDirectory(path: dataDir).adminCredentialsFile)))
        let group = "/subscriptions/\(server.installation.subscriptionId)/resourceGroups/\(Self.group)"
        let vaultPath = "\(group)/providers/Microsoft.KeyVault/vaults/cmkvault1"
        var fixture = CustomerKeyFixture(server: server, admin: admin, principal: "", vaultPath: vaultPath,
                                         registryPath: "\(group)/providers/Microsoft.ContainerRegistry/registries/\(registry)", keyID: "")
        _ = try await fixture.arm("PUT", group, ["location": "eastus"], version: "2024-11-01")
        let identity = try #require(try await fixture.arm("PUT", "\(group)/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmkid",
                                                          ["location": "eastus"], version: "2024-11-30"))
        _ = try await fixture.arm("PUT", vaultPath, ["location": "eastus", "properties": ["tenantId": .string(admin.tenant), "enablePurgeProtection": true]],
                                  version: "2026-02-01")
        fixture = CustomerKeyFixture(server: server, admin: admin, principal: try #require(identity["properties"]?["principalId"]?.stringValue),
                                     vaultPath: vaultPath, registryPath: fixture.registryPath, keyID: "")
        try await fixture.policy("add", for: admin.objectId, ["all"])
        try await fixture.policy("add", for: fixture.principal, ["get", "wrapKey", "unwrapKey"])
        fixture = CustomerKeyFixture(server: server, admin: admin, principal: fixture.principal, vaultPath: vaultPath,
                                     registryPath: fixture.registryPath, keyID: try await fixture.createKey("first"))
        _ = try await fixture.arm("PUT", fixture.registryPath, [
            "location": "eastus", "sku": ["name": "Premium"],
            "identity": ["type": "UserAssigned", "userAssignedIdentities": .object([identity["id"]!.stringValue!: [:]])],
            "properties": ["adminUserEnabled": .bool(adminUser),
                           "encryption": ["status": "enabled", "keyVaultProperties": ["keyIdentifier": .string(fixture.keyID),
                                                                                      "identity": identity["properties"]!["clientId"]!]]],
        ], version: "2026-09-01-preview")
        return fixture
    }

    /// An ARM call as the bootstrap admin (Owner).
    @discardableResult
    func arm(_ method: String, _ path: String, _ body: JSONValue?, version: String) async throws -> JSONValue? {
        let caller = ManagementCaller(objectID: admin.objectId, grants: try await server.planes.access.grants(of: admin.objectId))
        return try await server.planes.management.handle(ManagementRequest(method: method, path: path, query: ["api-version": version],
                                                                        body: body, caller: caller)).body
    }

    /// `accessPolicies/{operation}` for one object id.
    func policy(_ operation: String, for objectID: String, _ keys: [JSONValue]) async throws {
        try await arm("PUT", "\(vaultPath)/accessPolicies/\(operation)", ["properties": ["accessPolicies": [[
            "tenantId": .string(admin.tenant), "objectId": .string(objectID), "permissions": ["keys": .array(keys)]]]]], version: "2026-02-01")
    }

    /// A new RSA key in the vault, as the admin; returns its versioned id.
    func createKey(_ name: String) async throws -> String {
        let vault = try #require(try await server.planes.keyVaults.vault(named: "cmkvault1"))
        let reply = try await server.planes.keyVault.handle(.create(name: name), body: ["kty": "RSA"], query: [:], vault: vault,
                                                           caller: VaultCaller(objectID: admin.objectId, appID: admin.appId, address: "test",
                                                                               grants: PrincipalGrants(assignments: [])))
        return try #require(reply.body?["key"]?["kid"]?.stringValue)
    }
}

/// The network between registries and their vault, with a switch that cuts it: every call then
/// fails as an unreachable vault does (the real client is not reached).
final class PartitionableVaultPath: KeyWrapClient {
    let inner: any KeyWrapClient
    let partitioned = Atomic<Bool>(false)

    init(_ inner: any KeyWrapClient) { self.inner = inner }

    func cut() throws(KeyWrapFailure) {
        if partitioned.load(ordering: .relaxed) { throw .unavailable("connection refused (network partition)") }
    }

    func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription {
        try cut()
        return try await inner.currentKey(keyID, as: identity)
    }

    func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8]) {
        try cut()
        return try await inner.wrap(bytes, keyID: keyID, as: identity)
    }

    func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8] {
        try cut()
        return try await inner.unwrap(wrapped, keyID: keyID, as: identity)
    }
}
