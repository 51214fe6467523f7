// kura — a self-hosted encrypted container registry.
// HostChain: the one middleware chain every host's requests pass through.

import HTTPTypes
import Hummingbird

/// The chain of every host, in order: ``RequestIDMiddleware`` (each response names its request
/// id), Hummingbird's `MetricsMiddleware` (every request counted and timed by route template and
/// status), then the plane's error rendering (its own envelope; an error nobody mapped is logged
/// once with the request id and answers 500 naming it). The main host runs it inside its router
/// (which sets the route template); the vault and registry hosts, which parse their own routes,
/// run it here with the template their route names.
struct HostChain<Errors: RouterMiddleware>: Sendable where Errors.Context == KuraRequestContext {
    let errors: Errors
    let metrics = MetricsMiddleware<KuraRequestContext>()
    let requestID = RequestIDMiddleware<KuraRequestContext>()

    /// Runs `responder` for `request` through the chain, counted under `route`.
    func respond(to request: Request, context: KuraRequestContext, route: String,
                 _ responder: @escaping @Sendable (Request, KuraRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.coreContext.endpointPath.value = route
        return try await requestID.handle(request, context: context) { request, context in
            try await metrics.handle(request, context: context) { request, context in
                try await errors.handle(request, context: context, next: responder)
            }
        }
    }
}

/// Names the request id (the id in every log line of the request, and in a 500's message) in
/// `x-ms-request-id`, as Azure's services do — on errors too.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("x-ms-request-id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.header] = context.id
        return response
    }
}
