// kura — a self-hosted encrypted container registry.
// GraphRoutes: the few Microsoft Graph reads az makes about service principals.

package import KuraAPI
package import KuraHTTP
import Foundation
package import HTTPTypes
package import Hummingbird
import KuraCore
package import KuraDirectory
import NIOCore

/// Microsoft Graph v1.0, as much as `az` needs to name principals: `servicePrincipals` (by
/// `servicePrincipalNames/any(c:c eq '<appId>')` or by id), `directoryObjects/getByIds`, and
/// `/me` (which fails for application tokens, as real Graph does). Tokens need the Graph audience
/// (the main endpoint, `microsoftGraphResourceId` in `/metadata/endpoints`).
///
/// Who reads what, as Graph decides it for an application token: reading the directory (listing
/// principals, reading another principal, `getByIds` for others) needs a directory-read right —
/// Graph's `Application.Read.All` / `Directory.Read.All` or a directory role such as Directory
/// Readers. kura has no directory roles: an Owner of the subscription (the bootstrap admin, or
/// whoever it makes Owner) holds that right. Any other principal reads only itself (by its object
/// id, or a `$filter` naming its own app id, object id or display name — what `az keyvault
/// create` does to find the caller's object id); anything else is 403
/// `Authorization_RequestDenied`, whether or not the principal asked about exists.
package struct GraphRoutes {
    package let directory: DirectoryService
    /// Whether a principal may read the whole directory (Owner of the subscription).
    package let isOwner: @Sendable (_ objectID: String) async throws -> Bool
    /// `getByIds` takes at most this many ids, as Graph does.
    package static let maximumIDs = 1000

    package func add(to router: Router<KuraRequestContext>) {
        router.get("/v1.0/me") { request, _ -> Response in
            let caller = try await authenticate(request)
            // A user's (delegated) token names the user; an application's has no "me", as in Graph.
            guard caller.idtyp == "user", let user = try await directory.principal(objectID: caller.oid.lowercased()), user.kind == .user else {
                throw GraphError(status: .badRequest, code: "BadRequest", message: "/me request is only valid with delegated authentication flow.")
            }
            return json(GraphUserRoutes.document(user))
        }
        router.get("/v1.0/servicePrincipals") { request, _ -> Response in
            let caller = try await authenticate(request)
            let filter = request.uri.queryParameters["$filter"].map(String.init) ?? ""
            var wanted: String?
            if let quote = filter.firstIndex(of: "'"), let end = filter.lastIndex(of: "'"), quote < end {
                wanted = filter[filter.index(after: quote)..<end].lowercased()
            }
            func matches(_ principal: PrincipalRecord, _ wanted: String) -> Bool {
                principal.appID == wanted || principal.objectID == wanted || principal.displayName.lowercased() == wanted
            }
            if try await isOwner(caller.oid) {
                var principals = try await directory.principals().filter { $0.kind != .user }
                if let wanted { principals = principals.filter { matches($0, wanted) } }
                return json(ARMList(value: principals.map(document)))
            }
            // Not a directory reader: only a lookup of the caller itself.
            guard let wanted, let me = try await directory.principal(objectID: caller.oid.lowercased()), me.kind != .user, matches(me, wanted) else {
                throw GraphError.insufficientPrivileges
            }
            return json(ARMList(value: [document(me)]))
        }
        router.get("/v1.0/servicePrincipals/:id") { request, context -> Response in
            let caller = try await authenticate(request)
            let id = try context.parameters.require("id").lowercased()
            if id != caller.oid.lowercased(), try await !isOwner(caller.oid) { throw GraphError.insufficientPrivileges }
            guard let principal = try await directory.principal(objectID: id), principal.kind != .user else {
                throw GraphError(status: .notFound, code: "Request_ResourceNotFound", message: "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
            }
            return json(document(principal))
        }
        router.post("/v1.0/directoryObjects/getByIds") { request, _ -> Response in
            let caller = try await authenticate(request)
            var mutable = request
            let bytes = try await mutable.collectBody(upTo: 1 << 20)
            guard bytes.readableBytes > 0 else {
                throw GraphError(status: .badRequest, code: "BadRequest", message: "Empty Payload. JSON content expected.")
            }
            guard let body = try? JSONValue(parsing: bytes.readableBytesView, maximumDepth: JSONValue.requestDepth) else {
                throw GraphError(status: .badRequest, code: "BadRequest",
                                 message: "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
            }
            guard let values = body["ids"]?.arrayValue else {
                throw GraphError(status: .badRequest, code: "Request_BadRequest", message: "The request body needs an 'ids' array of object ids.")
            }
            guard values.count <= Self.maximumIDs else {
                throw GraphError(status: .badRequest, code: "Request_BadRequest",
                                 message: "At most \(Self.maximumIDs) ids may be given; \(values.count) were.")
            }
            var ids: [String] = []
            for value in values {
                guard let text = value.stringValue else {
                    throw GraphError(status: .badRequest, code: "Request_BadRequest", message: "Each of 'ids' must be a string.")
                }
                ids.append(text.lowercased())
            }
            // Decided before any lookup, so the answer never tells whether another principal exists.
            if ids.contains(where: { $0 != caller.oid.lowercased() }), try await !isOwner(caller.oid) {
                throw GraphError.insufficientPrivileges
            }
            var found: [JSONValue] = []
            for id in ids {
                guard let principal = try await directory.principal(objectID: id) else { continue }
                found.append(principal.kind == .user ? JSONValue(encoding: GraphUserRoutes.document(principal)) : JSONValue(encoding: document(principal)))
            }
            return json(ARMList(value: found))
        }
    }

    package func document(_ principal: PrincipalRecord) -> GraphServicePrincipal {
        .of(objectID: principal.objectID, appID: principal.appID, displayName: principal.displayName,
            managedIdentity: principal.kind == .managedIdentity, tenant: directory.authority.tenantID)
    }

    /// The caller's verified claims (a Graph-audience token of this installation).
    @discardableResult
    package func authenticate(_ request: Request) async throws -> AccessTokenClaims {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw GraphError(status: .unauthorized, code: "InvalidAuthenticationToken", message: "Access token is empty.")
        }
        do {
            return try await directory.authority.verify(String(header.dropFirst(7)), audiences: [directory.endpoints.graphAudience])
        } catch {
            throw GraphError(status: .unauthorized, code: "InvalidAuthenticationToken", message: "Access token validation failure: \(error).")
        }
    }
}

/// An error in Microsoft Graph's envelope:
/// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
package struct GraphError: Error, HTTPResponseError {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String

    /// What Graph answers a caller without the right to read what it asked for.
    package static let insufficientPrivileges = GraphError(status: .forbidden, code: "Authorization_RequestDenied",
                                                   message: "Insufficient privileges to complete the operation.")

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let requestID = UUID().uuidString.lowercased()
        let clientRequestID = request.headers[HTTPField.Name("client-request-id")!] ?? requestID
        let date = ISO8601DateFormatter().string(from: Date())
        let envelope: JSONValue = ["error": ["code": .string(code), "message": .string(message),
                                             "innerError": ["date": .string(date), "request-id": .string(requestID),
                                                            "client-request-id": .string(clientRequestID)]]]
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: envelope.serialized())))
    }
}
