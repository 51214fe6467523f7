// kura — a self-hosted encrypted container registry.
// Planes: every plane's services wired over one set of stores — the one composition of kura.

public import KuraCore
public import KuraCrypto
public import KuraDirectory
public import KuraKeyVault
public import KuraManagement
public import KuraRegistry
public import KuraStorage
public import Logging
public import NIOSSL
import _CryptoExtras

/// The stores of every plane, each typed as its plane's protocol: a plane is handed only its own.
public struct PlaneStores: Sendable {
    public let directory: any DirectoryStore
    public let registries: any RegistryStore
    public let content: any RegistryContentStore
    public let uploads: any UploadStore
    public let vaults: any VaultStore
    public let management: any ManagementStore

    /// Every plane on one SQL database (SQLite or PostgreSQL).
    public static func sql(_ store: SQLMetadataStore) -> PlaneStores {
        PlaneStores(directory: store, registries: store, content: store, uploads: store, vaults: store, management: store)
    }

    /// Every plane in memory (tests): the doubles run the same contract suites as the SQL store.
    public static func memory(clock: any WallClock = SystemClock()) -> PlaneStores {
        let registry = MemoryRegistryStore(clock: clock)
        return PlaneStores(directory: MemoryDirectoryStore(), registries: registry, content: registry, uploads: registry,
                           vaults: MemoryVaultStore(), management: MemoryManagementStore())
    }
}

/// Every plane's services, wired once. `kura serve` runs them (``KuraServer/bootstrap``); a test
/// builds the same wiring in one call, on in-memory or SQL stores, with the clock it moves.
///
/// ```swift
/// let planes = try await Planes.assemble(stores: .memory(clock: clock), blobs: blobs, keys: keys,
///                                        installation: installation, config: KuraConfig(), clock: clock)
/// ```
public struct Planes: Sendable {
    public let stores: PlaneStores
    public let clock: any WallClock
    public let endpoints: InstallationEndpoints
    public let installation: Installation
    /// Key and policy changes of every vault (the customer-managed keys of registries listen): one
    /// bus for the whole process.
    public let events: VaultEventBus
    // Login plane
    public let authority: TokenAuthority
    public let directory: DirectoryService
    public let access: AccessControl
    // Key Vault plane
    public let keyVault: KeyVaultService
    public let audit: AuditLog
    // Registry plane
    public let blobs: EncryptedBlobStore
    public let keyring: RegistryKeyring
    public let provisioner: RegistryProvisioner
    public let content: RegistryService
    public let uploads: UploadService
    public let registryTokens: RegistryTokenService
    public let blobCollector: BlobCollector
    // Management plane
    public let environment: ManagementEnvironment
    public let keyVaults: KeyVaultProvider
    public let deletedVaults: DeletedVaultProvider
    public let registryResources: ContainerRegistryProvider
    public let management: ManagementAPI
    /// Key Vault operations made in process for a principal (a registry's identity, ARM, the portal).
    public let vaultCalls: InProcessVaultCall
    /// The client of vaults elsewhere (its HTTPS client is shut down with the stores).
    let remoteVaults: RemoteKeyWrapClient

    /// Wires every plane over `stores`.
    /// - Parameters:
    ///   - signingKeyPEM: the token-signing key (nil: a fresh one, for tests); the authority made
    ///     from it reads `clock`, like every other rule.
    ///   - remoteVaultTLS: client TLS towards vaults elsewhere (the installation's CA besides the system's).
    ///   - pageSize: items per page of an ARM list before a `nextLink`.
    ///   - vaultPath: wraps the registries' client of the key vaults (tests put a fault injector around it).
    public static func assemble(stores: PlaneStores, blobs: EncryptedBlobStore, keys: KeyHierarchy, installation: Installation,
                                config: KuraConfig, signingKeyPEM: String? = nil, clock: any WallClock = SystemClock(),
                                remoteVaultTLS: TLSConfiguration = .makeClientConfiguration(), pageSize: Int = 100,
                                vaultPath: @Sendable (any KeyWrapClient) -> any KeyWrapClient = { $0 }) async throws -> Planes {
        let endpoints = InstallationEndpoints(mainHost: config.mainHost, vaultSuffix: config.vaultSuffix,
                                              registrySuffix: config.registrySuffix, port: config.port)
        let authority = try await TokenAuthority(signingKeyPEM: signingKeyPEM ?? _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
                                                 tenantID: installation.tenantId, loginEndpoint: endpoints.main, clock: clock)
        let events = VaultEventBus()
        let access = AccessControl(store: stores.directory)
        let directory = DirectoryService(store: stores.directory, authority: authority, endpoints: endpoints, clock: clock,
                                         identityPrincipal: { id in
                                             try await UserAssignedIdentityProvider.principalID(of: id, in: stores.management)
                                         })
        let keyVault = KeyVaultService(store: stores.vaults, hierarchy: keys, events: events, clock: clock)
        let audit = AuditLog(store: stores.vaults, clock: clock)
        let environment = ManagementEnvironment(subscriptionID: installation.subscriptionId, tenantID: installation.tenantId,
                                                endpoints: endpoints, remoteVaultHosts: config.remoteVaultHosts, clock: clock)
        let keyVaults = KeyVaultProvider(store: stores.management, environment: environment, events: events)
        let remoteVaults = RemoteKeyWrapClient(tls: remoteVaultTLS, allowedHosts: config.remoteVaultHosts,
                                               ownAudiences: endpoints.allAudiences, token: { identity, resource in
            do {
                return try await directory.managedIdentityToken(clientID: nil, objectID: identity, resource: resource).accessToken
            } catch let error as DirectoryError {
                throw KeyWrapFailure.revoked("the identity \(identity) gets no token for \(resource): \(error.message)")
            }
        })
        let vaultCalls = InProcessVaultCall(service: keyVault, audit: audit, access: access, directory: directory)
        let localVaults = LocalKeyWrapClient(vaults: keyVaults, calls: vaultCalls, endpoints: endpoints)
        let keyring = RegistryKeyring(hierarchy: keys,
                                      customerKeys: vaultPath(KeyWrapRouter(local: localVaults, remote: remoteVaults,
                                                                            vaultDNSSuffix: endpoints.vaultDNSSuffix)),
                                      unavailableGrace: config.keyUnavailableGrace, clock: clock)
        let provisioner = RegistryProvisioner(store: stores.registries, blobs: blobs, keyring: keyring, sealer: SealedFile(hierarchy: keys),
                                              clock: clock)
        let content = RegistryService(store: stores.content, blobs: blobs, allowSparseManifests: config.allowSparseManifests, clock: clock)
        let registryResources = ContainerRegistryProvider(store: stores.management, environment: environment, provisioner: provisioner,
                                                          directory: directory)
        let deletedVaults = DeletedVaultProvider(store: stores.management, environment: environment, keys: keyVault)
        let management = ManagementAPI(store: stores.management, environment: environment, access: access, directory: directory, providers: [
            UserAssignedIdentityProvider(environment: environment, directory: directory),
            keyVaults,
            VaultAccessPolicyProvider(store: stores.management, environment: environment, events: events),
            VaultKeyProvider(store: stores.management, vaults: keyVaults, calls: vaultCalls),
            deletedVaults,
            registryResources,
        ], pageSize: pageSize)
        return Planes(stores: stores, clock: clock, endpoints: endpoints, installation: installation, events: events, authority: authority,
                      directory: directory, access: access, keyVault: keyVault, audit: audit, blobs: blobs, keyring: keyring,
                      provisioner: provisioner, content: content, uploads: UploadService(service: content, store: stores.uploads),
                      registryTokens: await RegistryTokenService(hierarchy: keys, clock: clock),
                      blobCollector: BlobCollector(store: stores.content, blobs: blobs, grace: config.blobCollectionGrace, clock: clock),
                      environment: environment, keyVaults: keyVaults, deletedVaults: deletedVaults, registryResources: registryResources,
                      management: management, vaultCalls: vaultCalls, remoteVaults: remoteVaults)
    }

    /// The roles `objectID` holds on `registry`: its role assignments at the registry's ARM id and above.
    public func registryRoles(of objectID: String, on registry: RegistryRecord) async throws -> Set<RegistryRole> {
        let scope = try await registryResources.resourceID(ofRegistry: registry.name) ?? ResourceID(subscription: installation.subscriptionId)
        return Set(try await access.grants(of: objectID).roles(at: scope).compactMap { RegistryRole(rawValue: $0.roleName) })
    }

    /// Whether `objectID` is an Owner of the subscription.
    public func isOwner(_ objectID: String) async throws -> Bool {
        try await access.grants(of: objectID).roles(at: ResourceID(subscription: installation.subscriptionId)).contains(.owner)
    }

    /// The customer-key monitor of the registries (a service of the server's group).
    public func customerKeyMonitor(interval: Duration, logger: Logger) -> CustomerKeyMonitor {
        CustomerKeyMonitor(provisioner: provisioner, recorder: registryResources, events: events, vaultDNSSuffix: endpoints.vaultDNSSuffix,
                           interval: interval, logger: logger)
    }
}
