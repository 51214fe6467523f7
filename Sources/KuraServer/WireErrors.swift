// kura — a self-hosted encrypted container registry.
// WireErrors: each plane's error envelope, rendered in one place.

import Foundation
import Hummingbird
import NIOCore

/// An error in Azure's envelope (`{"error":{"code","message"}}`), as ARM, Azure AD-style
/// endpoints and Key Vault render it.
struct AzureError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["error": ["code": code, "message": message]], options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// An error in the OCI Distribution envelope (`{"errors":[{"code","message","detail"}]}`).
struct OCIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    /// One of the spec's codes: `NAME_UNKNOWN`, `BLOB_UNKNOWN`, `DENIED`, ...
    let code: String
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["errors": [["code": code, "message": message, "detail": NSNull()]]],
                                              options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Re-renders errors of the main host's routes (Hummingbird's own 404/405 included) in Azure's
/// envelope, so a client never sees another shape from this host.
struct AzureErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AzureError {
            throw error
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                throw AzureError(status: .notFound, code: "NotFound", message: "No route for \(request.method) \(request.uri.path).")
            case .methodNotAllowed:
                throw AzureError(status: .methodNotAllowed, code: "MethodNotAllowed",
                                 message: "\(request.method) is not allowed on \(request.uri.path).")
            default:
                throw AzureError(status: error.status, code: error.status.reasonPhrase.replacingOccurrences(of: " ", with: ""),
                                 message: error.body ?? error.status.reasonPhrase)
            }
        }
    }
}
