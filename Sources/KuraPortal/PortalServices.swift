// kura — a self-hosted encrypted container registry.
// PortalServices: what the portal calls — the same services the ARM, Key Vault and registry planes call.

public import KuraDirectory
public import KuraKeyVault
public import KuraManagement
public import KuraRegistry

/// The services behind the portal's pages, and the rules the portal borrows rather than restates:
/// a resource is created, listed or refused by ``ManagementAPI`` exactly as `az` would see it; a
/// key operation goes through ``InProcessVaultCall`` (authorized by the vault's access policies,
/// audited like a Key Vault request); a registry's content through ``RegistryService`` with the
/// registry's data key (a revoked customer key blocks the portal's view of it too), allowed by the
/// registry plane's ``RegistryAuthorizer`` for the user's roles on the registry; the audit log and
/// the directory's listing to those the audit API and Graph allow (``isOwner``).
public struct PortalServices: Sendable {
    public let management: ManagementAPI
    public let directory: DirectoryService
    public let access: AccessControl
    public let vaults: KeyVaultProvider
    public let vaultCalls: InProcessVaultCall
    public let audit: AuditLog
    public let provisioner: RegistryProvisioner
    public let keyring: RegistryKeyring
    public let content: RegistryService
    public let subscriptionID: String
    public let sessions: PortalSessions
    /// Whether a principal is an Owner of the subscription (the audit API's rule, which the
    /// audit page follows).
    public let isOwner: @Sendable (_ objectID: String) async throws -> Bool
    /// The registry roles a principal holds on a registry (the registry plane's own lookup).
    public let registryRoles: @Sendable (_ objectID: String, _ registry: RegistryRecord) async throws -> Set<RegistryRole>

    public init(management: ManagementAPI, directory: DirectoryService, access: AccessControl, vaults: KeyVaultProvider,
                vaultCalls: InProcessVaultCall, audit: AuditLog, provisioner: RegistryProvisioner, keyring: RegistryKeyring,
                content: RegistryService, subscriptionID: String, sessions: PortalSessions,
                isOwner: @escaping @Sendable (_ objectID: String) async throws -> Bool,
                registryRoles: @escaping @Sendable (_ objectID: String, _ registry: RegistryRecord) async throws -> Set<RegistryRole>) {
        self.management = management
        self.directory = directory
        self.access = access
        self.vaults = vaults
        self.vaultCalls = vaultCalls
        self.audit = audit
        self.provisioner = provisioner
        self.keyring = keyring
        self.content = content
        self.subscriptionID = subscriptionID
        self.sessions = sessions
        self.isOwner = isOwner
        self.registryRoles = registryRoles
    }

    var endpoints: InstallationEndpoints { directory.endpoints }
    /// Where the login plane sends a signed-in browser back (the portal client's one redirect URI).
    var redirectURI: String { endpoints.main + "/portal/signin" }
}
