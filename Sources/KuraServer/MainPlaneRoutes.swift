// kura — a self-hosted encrypted container registry.
// MainPlaneRoutes: the route table of the main host (health and metrics for now).

import KuraHTTP
import KuraDirectoryHTTP
import KuraRegistryHTTP
import KuraKeyVaultHTTP
import KuraManagementHTTP
import KuraPortal
import Hummingbird
import NIOCore
import Prometheus

/// Routes of `localhost:<port>`: `/healthz`, `/metrics`, the login plane (``LoginRoutes``) and the
/// management plane (``ManagementRoutes``), and the portal (``PortalRoutes``, `/` and `/portal/…`).
enum MainPlaneRoutes {
    static func router(metrics: PrometheusCollectorRegistry, login: LoginRoutes, management: ManagementRoutes,
                       audit: AuditRoutes, portal: PortalRoutes) -> Router<KuraRequestContext> {
        let router = Router(context: KuraRequestContext.self)
        // The host chain (HostChain's order): request id, metrics, Azure's error envelope.
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: AzureErrorMiddleware())
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        login.add(to: router)
        management.add(to: router)
        audit.add(to: router)
        portal.add(to: router)
        return router
    }
}
