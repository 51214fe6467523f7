// kura — a self-hosted encrypted container registry.
// KuraServer: the composition root — data dir, stores, TLS, listeners.

import KuraHTTP
import KuraDirectoryHTTP
import KuraRegistryHTTP
import KuraKeyVaultHTTP
import KuraManagementHTTP
import AsyncHTTPClient
import Crypto
import Foundation
public import KuraAPI
import Hummingbird
import HummingbirdTLS
public import KuraCore
public import KuraCrypto
import KuraDirectory
import KuraKeyVault
import KuraManagement
public import KuraRegistry
public import KuraStorage
public import Logging
import NIOSSL
public import Prometheus
import ServiceLifecycle
import UnixSignals
import _CryptoExtras

/// One `kura serve` process: everything it opened, ready to serve.
///
/// ```swift
/// let server = try await KuraServer.bootstrap(directory: dir, config: config, environment: env, logger: logger)
/// try await server.run()   // until SIGTERM/SIGINT
/// ```
public final class KuraServer: Sendable {
    public let config: KuraConfig
    public let directory: DataDirectory
    public let installation: Installation
    /// The one database every plane's store lives in (the composition root alone holds it whole).
    public let metadata: SQLMetadataStore
    public let keys: KeyHierarchy
    /// Every plane's services, wired.
    public let planes: Planes
    /// What the first start created that the operator must see once (nil on later starts).
    public let firstStart: FirstStartReport?
    /// The admin user, when this start made it (its password is shown only now).
    public let newAdminUser: AdminCredentials.AdminUser?
    let tls: TLSConfiguration
    let metrics: PrometheusCollectorRegistry
    let logger: Logger
    /// Every host's HTTP half.
    let hosts: Hosts
    let keyMonitor: CustomerKeyMonitor

    public var blobs: EncryptedBlobStore { planes.blobs }
    public var events: VaultEventBus { planes.events }
    public var provisioner: RegistryProvisioner { planes.provisioner }

    /// What a first start prints: the admin's secret is shown here and never again.
    public struct FirstStartReport: Sendable {
        public let admin: AdminCredentials
        /// The out-of-the-box registry `default` and its admin user.
        public let defaultRegistry: (record: RegistryRecord, credentials: RegistryAdminCredentials?)?
    }

    /// Opens (creating on first start) everything in `directory`. Idempotent: a later start reuses
    /// the root key, CA, ids and admin. Sets the process umask to 077 first, so every file kura or
    /// its libraries (SQLite) create is 0600 and every directory 0700.
    /// - Throws: ``BootstrapError`` naming the file that is unusable, or a store error.
    /// - Parameters:
    ///   - clock: the time of every rule (tests move their own).
    ///   - vaultPath: wraps the registries' client of the key vaults (the identity); tests put a
    ///     fault injector (a partitioned vault) around it.
    public static func bootstrap(directory: DataDirectory, config: KuraConfig, environment: [String: String],
                                 logger: Logger, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                                 clock: any WallClock = SystemClock(),
                                 vaultPath: @Sendable (any KeyWrapClient) -> any KeyWrapClient = { $0 }) async throws -> KuraServer {
        umask(0o077)
        try directory.prepare()
        let (rootKey, _) = try directory.rootKey(environment: environment)
        let keys = KeyHierarchy(rootKey: rootKey)
        let sealer = SealedFile(hierarchy: keys)
        let (installation, _) = try directory.installation()
        let (tls, _) = try ServerCertificates(directory: directory, sealer: sealer).load(config: config)
        let signingKey = try directory.tokenSigningKey(sealer: sealer)

        let metadata: SQLMetadataStore
        switch config.metadataBackend {
        case .sqlite: metadata = try await SQLMetadataStore.sqlite(path: directory.metadataFile, logger: logger, clock: clock)
        case .postgres: metadata = try SQLMetadataStore.postgres(url: config.metadataURL!, logger: logger, clock: clock)
        }
        do {
            try await metadata.migrate()
            let blobStore: any BlobStore
            switch config.blobBackend {
            case .filesystem: blobStore = try await FileSystemBlobStore.open(root: config.blobPath ?? directory.blobDirectory)
            }
            // Vaults elsewhere (another installation, Azure Key Vault) are reached over HTTPS with the
            // identity's own token; this installation's CA is trusted besides the system's.
            var clientTLS = TLSConfiguration.makeClientConfiguration()
            clientTLS.additionalTrustRoots = [.file(directory.caCertificateFile)]
            let planes = try await Planes.assemble(stores: .sql(metadata), blobs: EncryptedBlobStore(store: blobStore), keys: keys,
                                                   installation: installation, config: config,
                                                   signingKeyPEM: signingKey.pemRepresentation, clock: clock,
                                                   remoteVaultTLS: clientTLS, vaultPath: vaultPath)
            // The default registry is made before the admin file, whose absence marks a first start:
            // a crash in between repeats the step instead of skipping it.
            let firstStart = !FileManager.default.fileExists(atPath: directory.adminCredentialsFile)
            let defaultRegistry = firstStart ? try await planes.provisioner.ensureDefaultRegistry() : nil
            let (admin, created, newUser) = try directory.adminCredentials(tenant: installation.tenantId)
            if try await planes.directory.principal(appID: admin.appId) == nil {
                try await planes.directory.add(PrincipalRecord(
                    objectID: admin.objectId, appID: admin.appId, displayName: admin.displayName, kind: .servicePrincipal,
                    secretHash: SecretHash.make(admin.password), createdAt: clock.milliseconds))
            }
            let bootstrap = ManagementBootstrap(store: planes.stores.management, environment: planes.environment, registries: planes.registryResources,
                                                access: planes.access)
            try await bootstrap.ensure(adminObjectID: admin.objectId)
            // The admin user is made once, when its credentials are: one an Owner deleted (or
            // stripped of its role) later stays so. (A user another admin made under the same name
            // first keeps it; this one is then not added.)
            if newUser, let user = admin.user, try await planes.directory.user(user.userPrincipalName) == nil {
                try await planes.directory.add(PrincipalRecord(
                    objectID: user.objectId, appID: user.objectId, displayName: "kura admin", kind: .user,
                    secretHash: try PasswordHash.make(user.password), createdAt: clock.milliseconds, userPrincipalName: user.userPrincipalName))
                try await bootstrap.ensureOwner(user.objectId, principalType: "User")
            }
            // A create or update a crash interrupted (between its ARM record and its plane) is
            // finished before anything is served.
            for (id, error) in try await planes.management.recoverInterruptedWrites(writtenBefore: clock.milliseconds) {
                if let error {
                    logger.error("could not finish an ARM operation a stop interrupted: \(id): \(error)")
                } else {
                    logger.notice("finished an ARM operation a stop interrupted: \(id)")
                }
            }
            // A deployment a stop interrupted is marked Failed (never left Running).
            try await planes.management.deployments.failInterrupted()
            return try KuraServer(config: config, directory: directory, installation: installation, metadata: metadata, keys: keys,
                              planes: planes, identitySecret: try directory.identityEndpointSecret(),
                              firstStart: created ? FirstStartReport(admin: admin, defaultRegistry: defaultRegistry) : nil,
                              newAdminUser: newUser ? admin.user : nil,
                              tls: tls, metrics: metrics, logger: logger)
        } catch {
            try? await metadata.close()
            throw error
        }
    }

    private init(config: KuraConfig, directory: DataDirectory, installation: Installation, metadata: SQLMetadataStore, keys: KeyHierarchy,
                 planes: Planes, identitySecret: String, firstStart: FirstStartReport?, newAdminUser: AdminCredentials.AdminUser?,
                 tls: TLSConfiguration, metrics: PrometheusCollectorRegistry, logger: Logger) throws {
        self.config = config
        self.directory = directory
        self.installation = installation
        self.metadata = metadata
        self.keys = keys
        self.planes = planes
        self.firstStart = firstStart
        self.newAdminUser = newAdminUser
        self.tls = tls
        self.metrics = metrics
        self.logger = logger
        self.hosts = try Hosts(planes: planes, config: config, metrics: metrics, identitySecret: identitySecret)
        self.keyMonitor = planes.customerKeyMonitor(interval: config.keyCheckInterval, logger: logger)
    }

    /// The responder of every listener: host routing over all planes.
    var responder: some HTTPResponder<KuraRequestContext> { hosts.responder }

    /// Serves on every listen address until SIGTERM or SIGINT, then drains connections and
    /// closes the stores. Does not return before shutdown completes.
    public func run() async throws {
        // Every CMK registry's key validation (local or remote vault) is in flight before a
        // listener serves; its requests wait on that one validation (issue 13, point 14).
        await keyMonitor.startUp()
        let responder = self.responder
        var services: [any Service] = [StoreCloser(metadata: metadata, remoteVaults: planes.remoteVaults),
                                       VaultPurgeJob(deletedVaults: planes.deletedVaults, logger: logger), keyMonitor,
                                       UploadExpiryJob(uploads: planes.uploads, expiry: config.uploadExpiry, logger: logger),
                                       BlobCollectionJob(collector: planes.blobCollector, logger: logger)]
        let announcement = ServingAnnouncement(url: "https://\(config.mainHost):\(config.port)", file: directory.servingFile,
                                               listeners: config.listenAddresses.count, logger: logger)
        // One cap over all listeners; handshake, request-head and idle deadlines on every connection.
        let limits = ConnectionLimits(config: config, logger: logger)
        for address in config.listenAddresses {
            let port = config.port
            services.append(Application(
                responder: responder,
                server: limits.server(tls: tls),
                configuration: ApplicationConfiguration(address: .hostname(address, port: port), serverName: "kura"),
                onServerRunning: { _ in await announcement.listenerStarted() },
                logger: logger))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        unlink(directory.servingFile)
        defer { unlink(directory.servingFile) }
        try await group.run()
    }
}

/// Closes the metadata store after the listeners have drained (services stop in reverse order).
struct StoreCloser: Service {
    let metadata: SQLMetadataStore
    let remoteVaults: RemoteKeyWrapClient

    func run() async throws {
        try? await gracefulShutdown()
        await remoteVaults.shutdown()
        try await metadata.close()
    }
}
