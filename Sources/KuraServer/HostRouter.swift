// kura — a self-hosted encrypted container registry.
// HostRouter: the one responder of every listener; picks the plane by Host.

import Hummingbird
import KuraCore

/// Dispatches each request to its plane by Host header (DESIGN §2). A host that names no plane,
/// or a vault/registry that does not exist, gets 404 in the addressed plane's own error format.
struct HostRouter<Main: HTTPResponder>: HTTPResponder where Main.Context == KuraRequestContext {
    typealias Context = KuraRequestContext

    let config: KuraConfig
    let main: Main
    let registries: RegistryPlane
    let vaults: KeyVaultPlane

    func respond(to request: Request, context: Context) async throws -> Response {
        let host = request.head.authority
        do {
            switch PlaneHost(host: host, config: config) {
            case .main:
                return try await main.respond(to: request, context: context)
            case .vault(let name):
                return await vaults.respond(to: request, vaultName: name, context: context)
            case .registry(let name):
                return try await registries.respond(to: request, registryName: name, host: host ?? name, logger: context.logger)
            case .unknown(let name):
                throw AzureError(status: .notFound, code: "UnknownHost", message:
                    "kura does not serve host '\(name)'; it serves \(config.mainHost), *.\(config.vaultSuffix) and *.\(config.registrySuffix).")
            }
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }
}
