// kura — a self-hosted encrypted container registry.
// DataDirectory: the files of one installation, created on first start and reused after.

import Crypto
import Foundation
import KuraAPI
import KuraCore
import KuraCrypto
import KuraStorage
import _CryptoExtras

/// The layout of a data dir. Every file is 0600 and every directory 0700 (kura runs with umask
/// 077); every file is written with ``DurableFile`` so a crash never leaves half a file.
///
/// ```
/// root.key                  32 random bytes: the root of the key hierarchy (unless KURA_ROOT_KEY is set)
/// installation.json         tenant and subscription ids
/// tls/ca.pem                the local CA certificate: what clients trust
/// tls/ca.key.sealed         its private key, sealed under the root key
/// tls/server.pem            the server certificate (re-issued when hosts change or it nears expiry)
/// tls/server.key.sealed     its private key, sealed
/// token-signing.key.sealed  RSA key that signs access tokens, sealed
/// admin-credentials.json    the bootstrap admin service principal (for `kura login --local`)
/// identity-endpoint.secret  what callers of the managed-identity endpoint must present
/// serving.json              {"url", "pid"} of the running server, once it listens (for `kura login --local`)
/// kura.yaml                 optional configuration file
/// metadata.sqlite           the embedded metadata store (+ -wal, -shm)
/// blobs/                    the embedded blob store (KBF1 ciphertext only)
/// ```
public struct DataDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `--data-dir`, else `KURA_DATA_DIR`, else `~/.kura/data`.
    public static func resolve(flag: String?, environment: [String: String]) -> DataDirectory {
        let chosen = flag ?? environment["KURA_DATA_DIR"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.kura/data")
        return DataDirectory(path: (chosen as NSString).standardizingPath)
    }

    public var rootKeyFile: String { path + "/root.key" }
    public var installationFile: String { path + "/installation.json" }
    public var tlsDirectory: String { path + "/tls" }
    public var caCertificateFile: String { tlsDirectory + "/ca.pem" }
    var caKeyFile: String { tlsDirectory + "/ca.key.sealed" }
    public var serverCertificateFile: String { tlsDirectory + "/server.pem" }
    var serverKeyFile: String { tlsDirectory + "/server.key.sealed" }
    var tokenSigningKeyFile: String { path + "/token-signing.key.sealed" }
    public var adminCredentialsFile: String { path + "/admin-credentials.json" }
    /// Written once every listener is up: where this data dir is being served (``ServingAnnouncement``).
    public var servingFile: String { path + "/serving.json" }
    public var identityEndpointSecretFile: String { path + "/identity-endpoint.secret" }
    public var configFile: String { path + "/kura.yaml" }
    public var metadataFile: String { path + "/metadata.sqlite" }
    public var blobDirectory: String { path + "/blobs" }
}

/// The ids that name one installation.
public struct Installation: Codable, Sendable, Equatable {
    public var tenantId: String
    public var subscriptionId: String
    /// Creation time, ISO 8601.
    public var createdAt: String

    public init(tenantId: String, subscriptionId: String, createdAt: String) {
        self.tenantId = tenantId
        self.subscriptionId = subscriptionId
        self.createdAt = createdAt
    }
}

extension DataDirectory {
    /// Prepares the directory itself: creates it (0700) and removes temp files a crash left.
    func prepare() throws {
        try DurableFile.makeDirectories(path)
        try DurableFile.makeDirectories(tlsDirectory)
        DurableFile.removeStaleTemporaryFiles(in: path)
        DurableFile.removeStaleTemporaryFiles(in: tlsDirectory)
    }

    /// The root key: `KURA_ROOT_KEY` (base64 of 32 bytes) when set, else `root.key`, created on first start.
    func rootKey(environment: [String: String]) throws -> (SymmetricKey, created: Bool) {
        if let encoded = environment["KURA_ROOT_KEY"] {
            guard let bytes = Data(base64Encoded: encoded), bytes.count == KeyHierarchy.rootKeySize else {
                throw BootstrapError("KURA_ROOT_KEY must be the base64 of exactly 32 bytes")
            }
            return (SymmetricKey(data: bytes), false)
        }
        if let bytes = try DurableFile.read(rootKeyFile) {
            guard bytes.count == KeyHierarchy.rootKeySize else {
                throw BootstrapError("\(rootKeyFile) holds \(bytes.count) bytes; a root key is 32")
            }
            return (SymmetricKey(data: bytes), false)
        }
        let key = SymmetricKey(size: .bits256)
        try key.withUnsafeBytes { try DurableFile.write(Array($0), to: rootKeyFile) }
        return (key, true)
    }

    /// The tenant and subscription ids, made on first start.
    func installation() throws -> (Installation, created: Bool) {
        if let bytes = try DurableFile.read(installationFile) {
            do { return (try JSONDecoder().decode(Installation.self, from: Data(bytes)), false) } catch {
                throw BootstrapError("\(installationFile) is not valid: \(error)")
            }
        }
        let installation = Installation(tenantId: UUID().uuidString.lowercased(),
                                        subscriptionId: UUID().uuidString.lowercased(),
                                        createdAt: ISO8601DateFormatter().string(from: Date()))
        try writeJSON(installation, to: installationFile)
        return (installation, true)
    }

    /// The RSA key that signs access tokens (sealed at rest), made on first start.
    func tokenSigningKey(sealer: SealedFile) throws -> _RSA.Signing.PrivateKey {
        let name = "token-signing.key"
        if let sealed = try DurableFile.read(tokenSigningKeyFile) {
            let pem = try sealer.open(sealed, name: name)
            return try _RSA.Signing.PrivateKey(pemRepresentation: String(decoding: pem, as: UTF8.self))
        }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try DurableFile.write(try sealer.seal(Data(key.pemRepresentation.utf8), name: name), to: tokenSigningKeyFile)
        return key
    }

    /// The secret a workload presents to the managed-identity endpoint, made on first start.
    func identityEndpointSecret() throws -> String {
        if let bytes = try DurableFile.read(identityEndpointSecretFile) {
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let secret = SecretHash.generateSecret()
        try DurableFile.write(Array((secret + "\n").utf8), to: identityEndpointSecretFile)
        return secret
    }

    /// The bootstrap admin's credentials, made on first start; `created` says the service
    /// principal was made now, `newUser` the admin user (made now on a first start, or on the first
    /// start of a data dir from before users existed).
    func adminCredentials(tenant: String) throws -> (AdminCredentials, created: Bool, newUser: Bool) {
        var credentials: AdminCredentials
        var created = false
        if let bytes = try DurableFile.read(adminCredentialsFile) {
            do { credentials = try JSONDecoder().decode(AdminCredentials.self, from: Data(bytes)) } catch {
                throw BootstrapError("\(adminCredentialsFile) is not valid: \(error)")
            }
        } else {
            credentials = AdminCredentials.of(appId: UUID().uuidString.lowercased(), objectId: UUID().uuidString.lowercased(),
                                              password: SecretHash.generateSecret(), tenant: tenant, displayName: "kura-admin")
            created = true
        }
        guard credentials.user == nil else { return (credentials, created, false) }
        // "Kura-" makes three kinds of character certain (Entra ID's password policy); the rest is 256 random bits.
        credentials.user = AdminCredentials.AdminUser(userPrincipalName: Self.adminUserName, objectId: UUID().uuidString.lowercased(),
                                                      password: "Kura-" + SecretHash.generateSecret())
        try writeJSON(credentials, to: adminCredentialsFile)
        return (credentials, created, true)
    }

    /// The admin user's sign-in name.
    static let adminUserName = "admin@kura.local"

    private func writeJSON(_ value: some Encodable, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try DurableFile.write(Array(try encoder.encode(value)) + [0x0a], to: file)
    }
}

/// A data dir that cannot be used as it is; the message says which file and why.
public struct BootstrapError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
