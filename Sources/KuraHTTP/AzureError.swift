// kura — a self-hosted encrypted container registry.
// AzureError: Azure's error envelope (ARM, the main host), and the main host's error middleware.

import Foundation
import KuraAPI
package import HTTPTypes
package import Hummingbird
import KuraCore
import NIOCore

/// How a plane writes an error: its envelope's JSON for a code and a message.
package protocol ErrorEnvelope: Sendable {
    static func body(code: String, message: String) -> [UInt8]
}

/// An error as a plane answers it: a status, the plane's code, a message and extra headers,
/// rendered in the plane's ``ErrorEnvelope``.
package struct WireError<Envelope: ErrorEnvelope>: Error, HTTPResponseError {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String
    package var headers: HTTPFields = [:]

    package init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    package func response() -> Response {
        let body = Envelope.body(code: code, message: message)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.count)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response { response() }
}

/// Azure's envelope (`{"error":{"code","message"}}`), as ARM, Azure AD-style endpoints and Key
/// Vault render it.
package enum AzureEnvelope: ErrorEnvelope {
    package static func body(code: String, message: String) -> [UInt8] {
        WireJSON.encode(AzureErrorBody(code: code, message: message))
    }
}

/// An error in Azure's envelope.
package typealias AzureError = WireError<AzureEnvelope>

/// Re-renders errors of the main host's routes (Hummingbird's own 404/405 included) in Azure's
/// envelope, so a client never sees another shape from this host; an unreachable database answers
/// 503 `ServiceUnavailable`; an error nobody mapped is logged with the request id and answers 500
/// `InternalServerError`.
package struct AzureErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AzureError {
            throw error
        } catch let error where RequestFault(error) != nil {
            let fault = RequestFault(error)!
            throw AzureError(status: fault.status, code: fault == .tooLarge ? "RequestEntityTooLarge" : "InvalidRequestContent",
                             message: fault.message)
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
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as StoreError where error.code == .unavailable {
            logUnavailable(error, plane: "main", request: request, logger: context.logger)
            throw AzureError(status: .serviceUnavailable, code: "ServiceUnavailable",
                             message: "The metadata database is unavailable; retry the request (request id \(context.id)).")
        } catch {
            logInternalError(error, plane: "main", request: request, logger: context.logger)
            throw AzureError(status: .internalServerError, code: "InternalServerError",
                             message: "The server failed to process the request; its log has the cause under request id \(context.id).")
        }
    }
}
