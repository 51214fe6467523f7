import Foundation
import KuraCore
import KuraCrypto
import KuraDirectory
import KuraKeyVault
import KuraManagement
import KuraRegistry
@testable import KuraServer
import KuraStorage
import Logging
import NIOCore
import Testing

/// A registry with a customer-managed key, driven through the real management and Key Vault
/// services in process: its plaintext data key never reaches the data dir — while accessible,
/// after a revocation, and after a rotation.
@Suite struct CustomerKeyAuditTests {
    @Test func noPlaintextDataKeyReachesDiskInAnyState() async throws {
        let path = NSTemporaryDirectory() + "kura-cmk-audit-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await KuraServer.bootstrap(directory: DataDirectory(path: path), config: KuraConfig(), environment: [:],
                                                    logger: Logger(label: "test"))
        let admin = try JSONDecoder().decode(AdminCredentials.self, from: Data(contentsOf: URL(fileURLWithPath: DataDirectory(path: path).adminCredentialsFile)))
        let subscription = "/subscriptions/\(server.installation.subscriptionId)"
        let group = "\(subscription)/resourceGroups/cmkrg"
        let vaultPath = "\(group)/providers/Microsoft.KeyVault/vaults/cmkvault1"

        func arm(_ method: String, _ path: String, _ body: JSONValue?, version: String) async throws -> JSONValue? {
            let caller = ManagementCaller(objectID: admin.objectId, grants: try await AccessControl(metadata: server.metadata).grants(of: admin.objectId))
            return try await server.management.api.handle(ManagementRequest(method: method, path: path, query: ["api-version": version],
                                                                            body: body, caller: caller)).body
        }
        func policy(_ objectID: String, _ keys: [JSONValue]) -> JSONValue {
            ["properties": ["accessPolicies": [["tenantId": .string(admin.tenant), "objectId": .string(objectID), "permissions": ["keys": .array(keys)]]]]]
        }
        func createKey(_ name: String) async throws -> String {
            let vault = VaultContext(resource: try #require(try await server.metadata.resources(type: KeyVaultProvider.type, named: "cmkvault1").first),
                                     baseURL: "https://cmkvault1.vault.localhost:8443")
            let reply = try await server.vaults.service.handle(.create(name: name), body: ["kty": "RSA"], query: [:], vault: vault,
                                                               caller: VaultCaller(objectID: admin.objectId, appID: admin.appId, address: "test",
                                                                                   grants: PrincipalGrants(assignments: [])))
            return try #require(reply.body?["key"]?["kid"]?.stringValue)
        }

        _ = try await arm("PUT", group, ["location": "eastus"], version: "2024-11-01")
        let identity = try #require(try await arm("PUT", "\(group)/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmkid", ["location": "eastus"],
                                                  version: "2024-11-30"))
        let principal = try #require(identity["properties"]?["principalId"]?.stringValue)
        _ = try await arm("PUT", vaultPath, ["location": "eastus", "properties": ["tenantId": .string(admin.tenant), "enablePurgeProtection": true]],
                          version: "2026-02-01")
        _ = try await arm("PUT", "\(vaultPath)/accessPolicies/add", policy(admin.objectId, ["all"]), version: "2026-02-01")
        _ = try await arm("PUT", "\(vaultPath)/accessPolicies/add", policy(principal, ["get", "wrapKey", "unwrapKey"]), version: "2026-02-01")
        let firstKey = try await createKey("first")
        let registryPath = "\(group)/providers/Microsoft.ContainerRegistry/registries/cmkaudit1"
        _ = try await arm("PUT", registryPath, [
            "location": "eastus", "sku": ["name": "Premium"],
            "identity": ["type": "UserAssigned", "userAssignedIdentities": .object([identity["id"]!.stringValue!: [:]])],
            "properties": ["encryption": ["status": "enabled", "keyVaultProperties": ["keyIdentifier": .string(firstKey),
                                                                                       "identity": identity["properties"]!["clientId"]!]]],
        ], version: "2026-09-01-preview")

        let record = try #require(try await server.metadata.registry(named: "cmkaudit1"))
        #expect(record.customerKey?.versionedKeyID == firstKey && record.customerKey?.identityObjectID == principal)
        let dataKey = try await server.provisioner.keyring.dataKey(for: record)
        let plaintextKey = dataKey.withUnsafeBytes { Array($0) }
        let marker = Array(repeating: Array("KURA-CMK-PLAINTEXT".utf8), count: 1000).flatMap { $0 }
        _ = try await server.blobs.write(ByteStream(buffers: [ByteBuffer(bytes: marker)]), dataKey: dataKey)
        try Self.scan(path, for: [plaintextKey, marker], state: "accessible")

        _ = try await arm("PUT", "\(vaultPath)/accessPolicies/remove", policy(principal, ["unwrapKey"]), version: "2026-02-01")
        let revoked = await server.provisioner.keyring.validate(record)
        #expect(revoked?.accessible == false && revoked?.lastError?.contains("unwrapKey") == true)
        try Self.scan(path, for: [plaintextKey, marker], state: "revoked")

        _ = try await arm("PUT", "\(vaultPath)/accessPolicies/add", policy(principal, ["unwrapKey"]), version: "2026-02-01")
        let secondKey = try await createKey("second")
        let rotated = try #require(try await arm("PATCH", registryPath, ["properties": ["encryption": ["status": "enabled",
            "keyVaultProperties": ["keyIdentifier": .string(secondKey), "identity": .string(principal)]]]], version: "2026-09-01-preview"))
        #expect(rotated["properties"]?["encryption"]?["keyVaultProperties"]?["versionedKeyIdentifier"]?.stringValue == secondKey)
        let after = try #require(try await server.metadata.registry(named: "cmkaudit1"))
        #expect(after.customerKey?.versionedKeyID == secondKey && after.wrappedDataKey != record.wrappedDataKey)
        #expect(try await server.provisioner.keyring.dataKey(for: after).withUnsafeBytes { Array($0) } == plaintextKey, "rotation keeps the data key")
        try await server.metadata.close()
        try Self.scan(path, for: [plaintextKey, marker], state: "rotated")
    }

    static func scan(_ path: String, for secrets: [[UInt8]], state: String) throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: path))
        var files = 0
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files += 1
            let contents = Array(try Data(contentsOf: URL(fileURLWithPath: path + "/" + relative)))
            for secret in secrets { #expect(!contents.containsBytes(secret), "plaintext found in \(relative) (\(state))") }
        }
        #expect(files >= 10)
    }
}
