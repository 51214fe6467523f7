// kura — a self-hosted encrypted container registry.
// KuraServer: the composition root — data dir, stores, TLS, listeners.

import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTLS
public import KuraCore
import KuraCrypto
import KuraDirectory
import KuraKeyVault
import KuraManagement
public import KuraRegistry
public import KuraStorage
public import Logging
import NIOSSL
import Prometheus
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
    public let metadata: any MetadataStore
    public let blobs: EncryptedBlobStore
    public let keys: KeyHierarchy
    /// What the first start created that the operator must see once (nil on later starts).
    public let firstStart: FirstStartReport?
    let tls: TLSConfiguration
    let metrics: PrometheusCollectorRegistry
    let logger: Logger
    let registryPlane: RegistryPlane
    let login: LoginRoutes
    let management: ManagementRoutes
    let vaults: KeyVaultPlane
    let auditRoutes: AuditRoutes
    let purgeJob: VaultPurgeJob
    let keyMonitor: CustomerKeyMonitor
    /// The client of remote vaults (its HTTPS client is shut down with the stores).
    let remoteVaults: RemoteKeyWrapClient
    /// Key and policy changes of every vault (the customer-managed keys of registries listen).
    public let events: VaultEventBus
    /// Creates and deletes registries (the management plane will call it too).
    public let provisioner: RegistryProvisioner

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
    /// - Parameter vaultPath: wraps the registries' client of the key vaults (the identity); tests
    ///   put a fault injector (a partitioned vault) around it.
    public static func bootstrap(directory: DataDirectory, config: KuraConfig, environment: [String: String],
                                 logger: Logger, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                                 vaultPath: @Sendable (any KeyWrapClient) -> any KeyWrapClient = { $0 }) async throws -> KuraServer {
        umask(0o077)
        try directory.prepare()
        let (rootKey, _) = try directory.rootKey(environment: environment)
        let keys = KeyHierarchy(rootKey: rootKey)
        let sealer = SealedFile(hierarchy: keys)
        let (installation, _) = try directory.installation()
        let (tls, _) = try ServerCertificates(directory: directory, sealer: sealer).load(config: config)
        let signingKey = try directory.tokenSigningKey(sealer: sealer)
        let endpoints = InstallationEndpoints(mainHost: config.mainHost, vaultSuffix: config.vaultSuffix,
                                              registrySuffix: config.registrySuffix, port: config.port)
        let authority = try await TokenAuthority(signingKeyPEM: signingKey.pemRepresentation, tenantID: installation.tenantId,
                                                 loginEndpoint: endpoints.main)

        let metadata: SQLMetadataStore
        switch config.metadataBackend {
        case .sqlite: metadata = try await SQLMetadataStore.sqlite(path: directory.metadataFile, logger: logger)
        case .postgres: metadata = try SQLMetadataStore.postgres(url: config.metadataURL!, logger: logger)
        }
        do {
            try await metadata.migrate()
            let blobStore: any BlobStore
            switch config.blobBackend {
            case .filesystem: blobStore = try await FileSystemBlobStore.open(root: config.blobPath ?? directory.blobDirectory)
            }
            let blobs = EncryptedBlobStore(store: blobStore)
            let events = VaultEventBus()
            let access = AccessControl(metadata: metadata)
            let keyVault = KeyVaultService(metadata: metadata, hierarchy: keys, events: events)
            let audit = AuditLog(metadata: metadata)
            let directoryService = DirectoryService(metadata: metadata, authority: authority, endpoints: endpoints)
            // Vaults elsewhere (another installation, Azure Key Vault) are reached over HTTPS with the
            // identity's own token; this installation's CA is trusted besides the system's.
            var clientTLS = TLSConfiguration.makeClientConfiguration()
            clientTLS.additionalTrustRoots = [.file(directory.caCertificateFile)]
            let remoteVaults = RemoteKeyWrapClient(tls: clientTLS, allowedHosts: config.remoteVaultHosts,
                                                   ownAudiences: endpoints.allAudiences, token: { identity, resource in
                do {
                    return try await directoryService.managedIdentityToken(clientID: nil, objectID: identity, resource: resource).accessToken
                } catch let error as DirectoryError {
                    throw KeyWrapFailure.revoked("the identity \(identity) gets no token for \(resource): \(error.message)")
                }
            })
            let localVaults = LocalKeyWrapClient(metadata: metadata, service: keyVault, audit: audit, access: access, endpoints: endpoints)
            let keyring = RegistryKeyring(hierarchy: keys,
                                          customerKeys: vaultPath(KeyWrapRouter(local: localVaults, remote: remoteVaults,
                                                                                vaultDNSSuffix: endpoints.vaultDNSSuffix)),
                                          unavailableGrace: config.keyUnavailableGrace)
            let provisioner = RegistryProvisioner(metadata: metadata, blobs: blobs, keyring: keyring, sealer: sealer)
            // The default registry is made before the admin file, whose absence marks a first start:
            // a crash in between repeats the step instead of skipping it.
            let firstStart = !FileManager.default.fileExists(atPath: directory.adminCredentialsFile)
            let defaultRegistry = firstStart ? try await provisioner.ensureDefaultRegistry() : nil
            let (admin, created) = try directory.adminCredentials(tenant: installation.tenantId)
            if try await metadata.principal(appID: admin.appId) == nil {
                try await metadata.insertPrincipal(PrincipalRecord(
                    objectID: admin.objectId, appID: admin.appId, displayName: admin.displayName, kind: .servicePrincipal,
                    secretHash: SecretHash.make(admin.password), createdAt: Int64(Date().timeIntervalSince1970 * 1000)))
            }
            let environment = ManagementEnvironment(subscriptionID: installation.subscriptionId, tenantID: installation.tenantId,
                                                    endpoints: endpoints, remoteVaultHosts: config.remoteVaultHosts)
            let registryResources = ContainerRegistryProvider(metadata: metadata, environment: environment, provisioner: provisioner)
            try await ManagementBootstrap(metadata: metadata, environment: environment, registries: registryResources)
                .ensure(adminObjectID: admin.objectId)
            let management = ManagementAPI(metadata: metadata, environment: environment, providers: [
                UserAssignedIdentityProvider(metadata: metadata, environment: environment),
                KeyVaultProvider(metadata: metadata, environment: environment, events: events),
                VaultAccessPolicyProvider(metadata: metadata, environment: environment, events: events),
                DeletedVaultProvider(metadata: metadata, environment: environment),
                registryResources,
            ])
            // A create or update a crash interrupted (between its ARM record and its plane) is
            // finished before anything is served.
            for (id, error) in try await management.recoverInterruptedWrites(writtenBefore: ManagementEnvironment.now()) {
                if let error {
                    logger.error("could not finish an ARM operation a stop interrupted: \(id): \(error)")
                } else {
                    logger.notice("finished an ARM operation a stop interrupted: \(id)")
                }
            }
            let subscription = ResourceID(subscription: installation.subscriptionId)
            let content = RegistryService(metadata: metadata, blobs: blobs, allowSparseManifests: config.allowSparseManifests)
            let plane = RegistryPlane(metadata: metadata, keyring: keyring, provisioner: provisioner,
                                      tokens: await RegistryTokenService(hierarchy: keys), content: content,
                                      uploads: UploadService(service: content), authority: authority,
                                      registryAudiences: Set(endpoints.registryAudiences),
                                      principalRoles: { objectID, registry in
                                          // A registry's roles come from assignments at its ARM id and above.
                                          let scope = try await metadata.resources(type: ContainerRegistryProvider.type, named: registry.name)
                                              .first?.id ?? subscription
                                          return Set(try await access.grants(of: objectID).roles(at: scope)
                                              .compactMap { RegistryRole(rawValue: $0.roleName) })
                                      })
            let login = LoginRoutes(directory: directoryService,
                                    subscriptionID: installation.subscriptionId,
                                    isOwner: { try await access.grants(of: $0).roles(at: subscription).contains(.owner) },
                                    identitySecret: try directory.identityEndpointSecret())
            let vaults = KeyVaultPlane(metadata: metadata, service: keyVault, audit: audit, authority: authority, endpoints: endpoints,
                                       access: access)
            return KuraServer(config: config, directory: directory, installation: installation, metadata: metadata,
                              blobs: blobs, keys: keys, login: login,
                              management: ManagementRoutes(api: management, access: access, login: login),
                              vaults: vaults, auditRoutes: AuditRoutes(audit: audit, metadata: metadata, login: login),
                              purgeJob: VaultPurgeJob(metadata: metadata, service: keyVault, subscriptionID: installation.subscriptionId,
                                                      logger: logger),
                              events: events, remoteVaults: remoteVaults,
                              keyMonitor: CustomerKeyMonitor(metadata: metadata, provisioner: provisioner, events: events,
                                                             vaultDNSSuffix: endpoints.vaultDNSSuffix, interval: config.keyCheckInterval,
                                                             logger: logger),
                              firstStart: created ? FirstStartReport(admin: admin, defaultRegistry: defaultRegistry) : nil,
                              tls: tls, metrics: metrics, logger: logger, registryPlane: plane, provisioner: provisioner)
        } catch {
            try? await metadata.close()
            throw error
        }
    }

    private init(config: KuraConfig, directory: DataDirectory, installation: Installation, metadata: any MetadataStore,
                 blobs: EncryptedBlobStore, keys: KeyHierarchy, login: LoginRoutes, management: ManagementRoutes, vaults: KeyVaultPlane,
                 auditRoutes: AuditRoutes, purgeJob: VaultPurgeJob, events: VaultEventBus,
                 remoteVaults: RemoteKeyWrapClient, keyMonitor: CustomerKeyMonitor, firstStart: FirstStartReport?, tls: TLSConfiguration,
                 metrics: PrometheusCollectorRegistry, logger: Logger, registryPlane: RegistryPlane, provisioner: RegistryProvisioner) {
        self.config = config
        self.directory = directory
        self.installation = installation
        self.metadata = metadata
        self.blobs = blobs
        self.keys = keys
        self.login = login
        self.management = management
        self.vaults = vaults
        self.auditRoutes = auditRoutes
        self.purgeJob = purgeJob
        self.events = events
        self.keyMonitor = keyMonitor
        self.remoteVaults = remoteVaults
        self.firstStart = firstStart
        self.tls = tls
        self.metrics = metrics
        self.logger = logger
        self.registryPlane = registryPlane
        self.provisioner = provisioner
    }

    /// The responder of every listener: host routing over all planes.
    var responder: some HTTPResponder<KuraRequestContext> {
        HostRouter(config: config, main: MainPlaneRoutes.router(metrics: metrics, login: login, management: management, audit: auditRoutes)
            .buildResponder(), registries: registryPlane, vaults: vaults)
    }

    /// Serves on every listen address until SIGTERM or SIGINT, then drains connections and
    /// closes the stores. Does not return before shutdown completes.
    public func run() async throws {
        // Every CMK registry's key validation (local or remote vault) is in flight before a
        // listener serves; its requests wait on that one validation (issue 13, point 14).
        await keyMonitor.startUp()
        let responder = self.responder
        var services: [any Service] = [StoreCloser(metadata: metadata, remoteVaults: remoteVaults), purgeJob, keyMonitor,
                                       UploadExpiryJob(uploads: registryPlane.uploads, expiry: config.uploadExpiry, logger: logger),
                                       BlobCollectionJob(collector: BlobCollector(metadata: metadata, blobs: blobs, grace: config.blobCollectionGrace),
                                                         logger: logger)]
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
    let metadata: any MetadataStore
    let remoteVaults: RemoteKeyWrapClient

    func run() async throws {
        try? await gracefulShutdown()
        await remoteVaults.shutdown()
        try await metadata.close()
    }
}
