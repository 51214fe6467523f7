// kura — a self-hosted encrypted container registry.
// WireErrors: each plane's error envelope, rendered in one place.

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import KuraCore
import KuraCrypto
import KuraDirectory
import KuraRegistry
import KuraStorage
import NIOCore
import NIOHTTP1

/// A failure of the request itself, not of kura: a body over the route's limit, or HTTP framing
/// the parser refused while the body was read (a malformed chunk, a chunk size that overflows).
/// Every plane answers these 4xx in its own envelope.
enum RequestFault: Equatable {
    /// 413: the body is larger than the route accepts.
    case tooLarge
    /// 400: the body's framing is malformed.
    case malformed(String)

    init?(_ error: any Error) {
        switch error {
        case is NIOTooManyBytesError: self = .tooLarge
        case let error as HTTPError where error.status == .contentTooLarge: self = .tooLarge
        case let error as HTTPParserError: self = .malformed("the request body is not valid HTTP/1.1 framing (\(error))")
        default: return nil
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .tooLarge: .contentTooLarge
        case .malformed: .badRequest
        }
    }

    var message: String {
        switch self {
        case .tooLarge: "the request body is larger than this endpoint accepts"
        case .malformed(let reason): reason
        }
    }
}

/// The id Hummingbird gives each request (in its logger's metadata), which a 500 names.
func requestID(_ logger: Logger) -> String {
    logger[metadataKey: "hb.request.id"]?.description ?? "-"
}

/// Logs a failure that will leave as a 500, with the request id the context's logger carries:
/// no 500 leaves without its cause in the log.
func logInternalError(_ error: any Error, plane: String, request: Request, logger: Logger) {
    logger.error("internal error", metadata: ["plane": .string(plane), "method": .string(request.method.rawValue),
                                              "path": .string(String(request.uri.path.prefix(256))),
                                              "error": .string(String(String(reflecting: error).prefix(1024)))])
}

/// An error in Azure's envelope (`{"error":{"code","message"}}`), as ARM, Azure AD-style
/// endpoints and Key Vault render it.
struct AzureError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["error": ["code": code, "message": message]], options: [.sortedKeys])
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension AzureError {
    /// ARM's answer to a request without a token, with the challenge az and the SDKs follow.
    static func authenticationMissing(endpoints: InstallationEndpoints, tenant: String) -> AzureError {
        var error = AzureError(status: .unauthorized, code: "AuthenticationFailed",
                               message: "Authentication failed. The 'Authorization' header is missing.")
        error.headers[.wwwAuthenticate] = "Bearer authorization_uri=\"\(endpoints.main)/\(tenant)\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\""
        return error
    }
}

/// An error in Azure AD's OAuth2 shape: `{"error","error_description","error_codes",…}`.
struct AADError: Error, HTTPResponseError {
    let error: DirectoryError

    init(_ error: DirectoryError) { self.error = error }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: error.code.status) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: Any] = [
            "error": error.code.error, "error_description": error.description, "error_codes": [error.code.number],
            "timestamp": ISO8601DateFormatter().string(from: Date()), "trace_id": UUID().uuidString.lowercased(),
            "correlation_id": UUID().uuidString.lowercased(),
        ]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// An error in the OCI Distribution envelope (`{"errors":[{"code","message","detail"}]}`): the
/// registry plane's one place where errors become responses. Any error maps to a code here, so a
/// storage or crypto failure never leaks as an unformatted 500.
struct OCIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    /// One of the spec's codes: `NAME_UNKNOWN`, `BLOB_UNKNOWN`, `DENIED`, ...
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(_ error: any Error) {
        switch error {
        case let error as OCIError:
            self = error
        case let error as RegistryError:
            self.init(status: HTTPResponse.Status(code: error.code.status), code: error.code.name, message: error.message)
            if let challenge = error.detail?["WWW-Authenticate"] { headers[.wwwAuthenticate] = challenge }
        case let error as BlobStoreError where error.code == .notFound:
            self.init(status: .notFound, code: "BLOB_UNKNOWN", message: error.message)
        case let error as BlobStoreError where error.code == .invalidRange:
            self.init(status: .rangeNotSatisfiable, code: "RANGE_INVALID", message: error.message)
        case let error as StoreError where error.code == .unavailable:
            self.init(status: .serviceUnavailable, code: "UNAVAILABLE", message: "the metadata store is unavailable")
        case let error as StoreError where error.code == .conflict || error.code == .preconditionFailed:
            // A concurrent request changed the same thing first: nothing of this one was stored.
            self.init(status: .conflict, code: "UNAVAILABLE", message: "a concurrent request changed this first; retry: \(error.message)")
        case let error as CryptoFailure:
            self.init(status: .internalServerError, code: "UNKNOWN", message: "stored data failed its integrity check: \(error)")
        case let error where RequestFault(error) != nil:
            let fault = RequestFault(error)!
            self.init(status: fault.status, code: fault == .tooLarge ? "SIZE_INVALID" : "UNSUPPORTED", message: fault.message)
        case let error as HTTPError:
            self.init(status: error.status, code: "UNSUPPORTED", message: error.body ?? error.status.reasonPhrase)
        default:
            self.init(status: .internalServerError, code: "UNKNOWN", message: "internal error")
        }
    }

    func response() -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: ["errors": [["code": code, "message": message, "detail": NSNull()]]],
                                                options: [.sortedKeys])) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.count)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response() }
}

/// Re-renders errors of the main host's routes (Hummingbird's own 404/405 included) in Azure's
/// envelope, so a client never sees another shape from this host; an error nobody mapped is
/// logged with the request id and answers 500 `InternalServerError`.
struct AzureErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AzureError {
            throw error
        } catch let error as AADError {
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
        } catch {
            logInternalError(error, plane: "main", request: request, logger: context.logger)
            throw AzureError(status: .internalServerError, code: "InternalServerError",
                             message: "The server failed to process the request; its log has the cause under request id \(context.id).")
        }
    }
}
