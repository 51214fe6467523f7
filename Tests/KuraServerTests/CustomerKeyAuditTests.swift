import KuraAPI
import Foundation
import KuraCore
import KuraCrypto
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
        let fixture = try await CustomerKeyFixture.make(server, dataDir: path, registry: "cmkaudit1")
        let principal = fixture.principal
        let record = try #require(try await server.metadata.registry(named: "cmkaudit1"))
        #expect(record.customerKey?.versionedKeyID == fixture.keyID && record.customerKey?.identityObjectID == principal)
        let dataKey = try await server.provisioner.keyring.dataKey(for: record)
        let plaintextKey = dataKey.withUnsafeBytes { Array($0) }
        let marker = Array(repeating: Array("KURA-CMK-PLAINTEXT".utf8), count: 1000).flatMap { $0 }
        _ = try await server.blobs.write(ByteStream(buffers: [ByteBuffer(bytes: marker)]), dataKey: dataKey)
        try Self.scan(path, for: [plaintextKey, marker], state: "accessible")

        try await fixture.policy("remove", for: principal, ["unwrapKey"])
        let revoked = await server.provisioner.keyring.validate(record)
        #expect(revoked?.accessible == false && revoked?.lastError?.contains("unwrapKey") == true)
        try Self.scan(path, for: [plaintextKey, marker], state: "revoked")

        try await fixture.policy("add", for: principal, ["unwrapKey"])
        let secondKey = try await fixture.createKey("second")
        let rotated = try #require(try await fixture.arm("PATCH", fixture.registryPath, ["properties": ["encryption": ["status": "enabled",
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
