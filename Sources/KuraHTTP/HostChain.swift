// kura — a self-hosted encrypted container registry.
// HostChain: the one middleware chain every host's requests pass through.

package import HTTPTypes
package import Hummingbird

/// The chain of every host, in order: ``RequestIDMiddleware`` (each response names its request
/// id), Hummingbird's `MetricsMiddleware` (every request counted and timed by route template and
/// status), then the plane's error rendering (its own envelope; an error nobody mapped is logged
/// once with the request id and answers 500 naming it). The main host runs it inside its router
/// (which sets the route template); the vault and registry hosts, which parse their own routes,
/// run it here with the template their route names.
package struct HostChain<Errors: RouterMiddleware>: Sendable where Errors.Context == KuraRequestContext {
    package let errors: Errors
    package let metrics = MetricsMiddleware<KuraRequestContext>()
    package let requestID = RequestIDMiddleware<KuraRequestContext>()

    package init(errors: Errors) { self.errors = errors }

    /// Runs `responder` for `request` through the chain, counted under `route`.
    package func respond(to request: Request, context: KuraRequestContext, route: String,
                 _ responder: @escaping @Sendable (Request, KuraRequestContext) async throws -> Response) async throws -> Response {
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
package struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    package static var header: HTTPField.Name { HTTPField.Name("x-ms-request-id")! }

    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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

/// Renders every error a plane's responder throws in that plane's envelope (the plane's one
/// mapping), and carries every failure — rendered here or by the plane itself (the vault host
/// renders its own, for its audit entry) — on through the chain as a ``RenderedFailure``, so the
/// metrics count a failure alike on every host.
package struct PlaneErrorMiddleware: RouterMiddleware {
    package typealias Context = KuraRequestContext
    package let render: @Sendable (any Error, Request, KuraRequestContext) -> Response

    package init(render: @escaping @Sendable (any Error, Request, KuraRequestContext) -> Response) { self.render = render }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            throw RenderedFailure(rendered: render(error, request, context))
        }
        guard response.status.code >= 400 else { return response }
        throw RenderedFailure(rendered: response)
    }
}

/// A failure a plane has rendered already (its envelope and headers), on its way out.
package struct RenderedFailure: Error, HTTPResponseError {
    package let rendered: Response

    package var status: HTTPResponse.Status { rendered.status }

    package func response(from request: Request, context: some RequestContext) throws -> Response { rendered }
}
