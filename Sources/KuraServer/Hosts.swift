// kura — a self-hosted encrypted container registry.
// Hosts: every host's HTTP half over the planes — what each listener serves.

public import KuraHTTP
import KuraDirectoryHTTP
import KuraRegistryHTTP
import KuraKeyVaultHTTP
import KuraManagementHTTP
import KuraPortal
public import Hummingbird
public import KuraCore
import KuraDirectory
public import Prometheus

/// The HTTP halves of every plane, over one ``Planes``: the main host (login, Graph,
/// management, audit, health, metrics), every vault host and every registry host, behind one
/// ``HostRouter``. `kura serve` builds it once; a test builds it over any planes (in-memory,
/// SQL, or a store that fails) and serves ``responder`` with Hummingbird's test client.
public struct Hosts: Sendable {
    let config: KuraConfig
    let metrics: PrometheusCollectorRegistry
    let login: LoginRoutes
    let management: ManagementRoutes
    let vaults: KeyVaultPlane
    let audit: AuditRoutes
    let registries: RegistryPlane
    let portal: PortalRoutes

    /// - Parameter identitySecret: what a workload presents to the managed-identity endpoint.
    public init(planes: Planes, config: KuraConfig, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                identitySecret: String) throws {
        self.config = config
        self.metrics = metrics
        let login = LoginRoutes(directory: planes.directory, access: planes.access, subscriptionID: planes.installation.subscriptionId,
                                isOwner: { try await planes.isOwner($0) }, identitySecret: identitySecret)
        self.login = login
        management = ManagementRoutes(api: planes.management, login: login)
        vaults = KeyVaultPlane(vaults: planes.keyVaults, service: planes.keyVault, audit: planes.audit, authority: planes.authority,
                               endpoints: planes.endpoints, access: planes.access)
        audit = AuditRoutes(audit: planes.audit, vaults: planes.keyVaults, login: login)
        registries = RegistryPlane(keyring: planes.keyring, provisioner: planes.provisioner, tokens: planes.registryTokens,
                                   content: planes.content, uploads: planes.uploads, authority: planes.authority,
                                   registryAudiences: Set(planes.endpoints.registryAudiences),
                                   principalRoles: { objectID, registry in try await planes.registryRoles(of: objectID, on: registry) })
        portal = try PortalRoutes(services: PortalServices(
            management: planes.management, directory: planes.directory, access: planes.access, vaults: planes.keyVaults,
            vaultCalls: planes.vaultCalls, audit: planes.audit, provisioner: planes.provisioner, keyring: planes.keyring,
            content: planes.content, subscriptionID: planes.installation.subscriptionId, sessions: PortalSessions(clock: planes.clock),
            isOwner: { try await planes.isOwner($0) },
            registryRoles: { objectID, registry in try await planes.registryRoles(of: objectID, on: registry) }))
    }

    /// The responder of every listener: host routing over all planes.
    public var responder: some HTTPResponder<KuraRequestContext> {
        HostRouter(config: config, main: MainPlaneRoutes.router(metrics: metrics, login: login, management: management, audit: audit,
                                                                   portal: portal)
            .buildResponder(), registries: registries, vaults: vaults)
    }
}
