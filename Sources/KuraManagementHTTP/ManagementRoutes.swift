// kura — a self-hosted encrypted container registry.
// ManagementRoutes: ARM's `/subscriptions/{s}/…` on the main host, handed to ManagementAPI.

import KuraAPI
import KuraTemplates
package import KuraDirectoryHTTP
package import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
import KuraCore
import KuraDirectory
package import KuraManagement
import NIOCore

/// Adapts HTTP to ``ManagementAPI``: authenticates the management token, loads the caller's
/// role assignments, parses the JSON body, and renders the reply (errors in ARM's envelope).
package struct ManagementRoutes {
    package let api: ManagementAPI
    /// Verifies management tokens; its ``LoginRoutes/access`` holds the callers' role assignments.
    package let login: LoginRoutes

    package init(api: ManagementAPI, login: LoginRoutes) {
        self.api = api
        self.login = login
    }

    /// Largest accepted request body (ARM's own limit is 4 MiB).
    package static let maximumBody = ManagementAPI.maximumBodyBytes

    package func add(to router: Router<KuraRequestContext>) {
        for method in [HTTPRequest.Method.get, .put, .patch, .delete, .post, .head] {
            router.on("/subscriptions/:subscription/**", method: method) { request, _ in try await handle(request) }
        }
    }

    /// Whether `path` addresses a template deployment (whose body is read leniently).
    static func isDeployment(_ path: String) -> Bool {
        let lowered = path.lowercased()
        return lowered.contains("/providers/microsoft.resources/deployments/") || lowered.range(of: #"/resourcegroups/[^/]+/deployments/"#, options: .regularExpression) != nil
    }

    /// The request's path with each segment percent-decoded, as ARM reads it (`az` encodes names:
    /// `grp(1)` arrives as `grp%281%29`, `日本` as `%E6%97%A5%E6%9C%AC`); nil when a segment is not
    /// valid percent-encoding or decodes to hold a `/` (a name never does).
    static func decodedPath(_ raw: String) -> String? {
        var segments: [String] = []
        for segment in raw.split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = segment.removingPercentEncoding, !decoded.contains("/") else { return nil }
            segments.append(decoded)
        }
        return segments.joined(separator: "/")
    }

    package func handle(_ request: Request) async throws -> Response {
        let claims = try await login.requireManagementToken(request)
        guard let path = Self.decodedPath(request.uri.path) else {
            throw AzureError(status: .badRequest, code: "InvalidRequestUri",
                             message: "The request URI '\(request.uri.path)' is not valid: a path segment is not valid percent-encoding or encodes '/'.")
        }
        var mutable = request
        let bytes = try await mutable.collectBody(upTo: Self.maximumBody)
        var body: JSONValue?
        if bytes.readableBytes > 0, Self.isDeployment(path) {
            // az splices the template file in verbatim (comments, a bare `template:` key).
            do {
                body = try TemplateText.parse(Array(bytes.readableBytesView))
            } catch {
                throw AzureError(status: .badRequest, code: error.code, message: error.message)
            }
        } else if bytes.readableBytes > 0 {
            do {
                body = try JSONValue(parsing: bytes.readableBytesView, maximumDepth: JSONValue.requestDepth)
            } catch {
                throw AzureError(status: .badRequest, code: "InvalidRequestContent",
                                 message: "The request content was invalid and could not be deserialized: \(error).")
            }
        }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let caller = ManagementCaller(objectID: claims.oid, grants: try await login.access.grants(of: claims.oid))
        let reply: ManagementReply
        do {
            reply = try await api.handle(ManagementRequest(method: request.method.rawValue, path: path, query: query,
                                                           body: body, caller: caller, ifMatch: request.headers[.ifMatch],
                                                           ifNoneMatch: request.headers[.ifNoneMatch]))
        } catch let error as ManagementError {
            throw AzureError(status: HTTPResponse.Status(code: error.status), code: error.code, message: error.message)
        }
        var headers: HTTPFields = [:]
        for (name, value) in reply.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
        guard let document = reply.body else { return Response(status: HTTPResponse.Status(code: reply.status), headers: headers) }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: HTTPResponse.Status(code: reply.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: document.serialized())))
    }
}
