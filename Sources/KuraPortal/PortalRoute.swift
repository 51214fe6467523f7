// kura — a self-hosted encrypted container registry.
// PortalRoute: one page of the portal — a method, a path and what answers it.

import HTTPTypes
import Hummingbird

/// A page or form target of the portal; each area of the portal (``HomePages``, ``VaultPages``, …)
/// lists its own.
struct PortalRoute: Sendable {
    typealias Handler = @Sendable (PortalRequest) async throws -> Response
    let method: HTTPRequest.Method
    let path: String
    /// Largest form body a POST takes (bytes).
    var formLimit = PortalRoute.formLimit
    let handler: Handler

    /// A form's usual limit; a template's form takes ARM's own (4 MiB).
    static let formLimit = 64 << 10

    static func get(_ path: String, _ handler: @escaping Handler) -> PortalRoute { PortalRoute(method: .get, path: path, handler: handler) }
    static func post(_ path: String, formLimit: Int = formLimit, _ handler: @escaping Handler) -> PortalRoute {
        PortalRoute(method: .post, path: path, formLimit: formLimit, handler: handler)
    }

    /// Every page of the portal.
    static var all: [PortalRoute] {
        HomePages.routes + IdentityPages.routes + VaultPages.routes + AccessPolicyPages.routes + KeyPages.routes + AuditPages.routes
            + RegistryCreatePages.routes + KeyPickerPages.routes + RegistryPages.routes + AccessControlPages.routes + DeploymentPages.routes
            + NotificationPages.routes
    }
}
