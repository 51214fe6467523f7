// kura — a self-hosted encrypted container registry.
// HostRouter: the one responder of every listener; picks the plane by Host.

import KuraHTTP
import KuraDirectoryHTTP
import KuraRegistryHTTP
import KuraKeyVaultHTTP
import KuraManagementHTTP
import Hummingbird
import KuraCore
import KuraKeyVault

/// Dispatches each request to its plane by Host header (DESIGN §2). A host that names no plane,
/// or a vault/registry that does not exist, gets 404 in the addressed plane's own error format.
/// Every host runs the same ``HostChain`` (request id, metrics, the plane's error rendering).
struct HostRouter<Main: HTTPResponder>: HTTPResponder where Main.Context == KuraRequestContext {
    typealias Context = KuraRequestContext

    let config: KuraConfig
    /// The main host's router (its chain is its middleware).
    let main: Main
    let registries: RegistryPlane
    let vaults: KeyVaultPlane
    let registryChain = HostChain(errors: PlaneErrorMiddleware(render: RegistryPlane.errorResponse))
    let vaultChain: HostChain<PlaneErrorMiddleware>
    let unknownChain = HostChain(errors: AzureErrorMiddleware<KuraRequestContext>())

    init(config: KuraConfig, main: Main, registries: RegistryPlane, vaults: KeyVaultPlane) {
        self.config = config
        self.main = main
        self.registries = registries
        self.vaults = vaults
        vaultChain = HostChain(errors: PlaneErrorMiddleware(render: { [vaults] error, request, context in
            vaults.errorResponse(error, request: request, logger: context.logger)
        }))
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let host = request.head.authority
        switch PlaneHost(host: host, config: config) {
        case .main:
            return try await main.respond(to: request, context: context)
        case .vault(let name):
            let route = (try? KeyVaultRoute(method: request.method.rawValue, path: request.uri.path))?.auditName ?? "unknown"
            return try await vaultChain.respond(to: request, context: context, route: "vault " + route) { request, context in
                await vaults.respond(to: request, vaultName: name, context: context)
            }
        case .registry(let name):
            return try await registryChain.respond(to: request, context: context,
                                                   route: "registry " + RegistryRoute.template(of: request.uri.path)) { request, _ in
                try await registries.respond(to: request, registryName: name, host: host ?? name)
            }
        case .unknown(let name):
            return try await unknownChain.respond(to: request, context: context, route: "unknown host") { _, _ in
                throw AzureError(status: .notFound, code: "UnknownHost", message:
                    "kura does not serve host '\(name)'; it serves \(config.mainHost), *.\(config.vaultSuffix) and *.\(config.registrySuffix).")
            }
        }
    }
}
