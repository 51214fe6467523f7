import Foundation
import KuraAPI
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

/// After a start and some blob writes, the data dir holds only 0600 files and 0700 dirs, and no
/// byte sequence of a data key or of the plaintext appears in any file.
@Suite struct DataDirectoryAuditTests {
    @Test func filesArePrivateAndNoPlaintextKeyOrDataReachesDisk() async throws {
        let path = NSTemporaryDirectory() + "kura-audit-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await KuraServer.bootstrap(directory: DataDirectory(path: path), config: KuraConfig(),
                                                    environment: [:], logger: Logger(label: "test"))

        let marker = Array("KURA-AUDIT-PLAINTEXT-MARKER-7f3a9c".utf8)
        var keys: [[UInt8]] = []
        for name in ["alpha", "beta"] {
            let registryID = UUID().uuidString.lowercased()
            let key = DataKey.generate(registryID: registryID)
            keys.append(key.withUnsafeBytes { Array($0) })
            try await server.metadata.insertRegistry(RegistryRecord(
                id: registryID, name: name, wrappedDataKey: try DataKeyWrapper(hierarchy: server.keys).wrap(key),
                keyGeneration: key.generation, createdAt: 0))
            for size in [0, 100, 3 << 20] {
                var body = [UInt8]()
                while body.count < size { body += marker }
                let staged = try await server.blobs.stage(ByteStream(buffers: [ByteBuffer(bytes: body)]), dataKey: key)
                let blobs = server.blobs
                try await server.metadata.commitBlob(BlobRecord(registryID: registryID, digest: staged.blob.digest, size: staged.blob.size,
                                                                createdAt: 0), repository: "r", place: { try await blobs.place(staged) })
            }
        }
        try await server.metadata.close()

        var files = 0
        let enumerator = try #require(FileManager.default.enumerator(atPath: path))
        while let relative = enumerator.nextObject() as? String {
            let full = path + "/" + relative
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                #expect(mode == 0o700, "\(relative) is a directory with mode \(String(mode, radix: 8))")
                continue
            }
            files += 1
            #expect(mode == 0o600, "\(relative) has mode \(String(mode, radix: 8))")
            let contents = Array(try Data(contentsOf: URL(fileURLWithPath: full)))
            #expect(!contents.containsBytes(marker), "plaintext marker found in \(relative)")
            for key in keys { #expect(!contents.containsBytes(key), "a data key is in plaintext in \(relative)") }
            #expect(!contents.containsBytes(Array("PRIVATE KEY".utf8)), "a PEM private key is in plaintext in \(relative)")
        }
        #expect(files >= 10, "the audit saw the files it should (root key, ids, TLS, token key, admin, metadata, blobs)")
    }

    @Test func aSecondBootstrapReusesTheInstallation() async throws {
        let path = NSTemporaryDirectory() + "kura-reuse-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = DataDirectory(path: path)
        let first = try await KuraServer.bootstrap(directory: directory, config: KuraConfig(), environment: [:], logger: Logger(label: "t"))
        let ca = try Data(contentsOf: URL(fileURLWithPath: directory.caCertificateFile))
        #expect(first.firstStart != nil)
        try await first.metadata.close()

        let second = try await KuraServer.bootstrap(directory: directory, config: KuraConfig(), environment: [:], logger: Logger(label: "t"))
        #expect(second.firstStart == nil, "the admin secret is printed only once")
        #expect(second.installation == first.installation)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.caCertificateFile)) == ca)
        let admin = try #require(try await second.metadata.principals().first)
        #expect(admin.displayName == "kura-admin")
        let credentials = try JSONDecoder().decode(AdminCredentials.self, from: Data(contentsOf: URL(fileURLWithPath: directory.adminCredentialsFile)))
        #expect(admin.appID == credentials.appId)
        #expect(SecretHash.verify(credentials.password, against: try #require(admin.secretHash)))
        try await second.metadata.close()
    }

    @Test func aWrongRootKeyIsRefusedWithoutTouchingAnything() async throws {
        let path = NSTemporaryDirectory() + "kura-rootkey-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = DataDirectory(path: path)
        let server = try await KuraServer.bootstrap(directory: directory, config: KuraConfig(), environment: [:], logger: Logger(label: "t"))
        try await server.metadata.close()
        let ca = try Data(contentsOf: URL(fileURLWithPath: directory.caCertificateFile))
        let otherKey = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        await #expect(throws: CryptoFailure.self) {
            _ = try await KuraServer.bootstrap(directory: directory, config: KuraConfig(), environment: ["KURA_ROOT_KEY": otherKey],
                                               logger: Logger(label: "t"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.caCertificateFile)) == ca)
    }
}

extension Array where Element == UInt8 {
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first && self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
