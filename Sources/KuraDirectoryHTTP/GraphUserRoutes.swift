// kura — a self-hosted encrypted container registry.
// GraphUserRoutes: Microsoft Graph's `/v1.0/users`, as `az ad user create/show/list/delete` call it.

import KuraAPI
package import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
import KuraCore
import KuraDirectory

/// `POST /v1.0/users` (create, as `az ad user create` sends it: `userPrincipalName`,
/// `displayName`, `passwordProfile.password`, `accountEnabled`, `mailNickname`), `GET /v1.0/users`,
/// `GET` and `DELETE /v1.0/users/{id or userPrincipalName}`; a list takes
/// `$filter=userPrincipalName eq '…'`. Writing and listing the directory's
/// users needs its administrator — an Owner of the subscription (Graph's `User.ReadWrite.All`);
/// any user reads itself. Refusals are Graph's (`Request_BadRequest`, `Authorization_RequestDenied`,
/// `Request_ResourceNotFound`).
package struct GraphUserRoutes {
    package let graph: GraphRoutes
    /// Removes what refers to a deleted user (its role assignments).
    package let forget: @Sendable (_ objectID: String) async throws -> Void

    package func add(to router: Router<KuraRequestContext>) {
        router.post("/v1.0/users") { request, _ -> Response in
            let caller = try await graph.authenticate(request)
            guard try await graph.isOwner(caller.oid) else { throw GraphError.insufficientPrivileges }
            let body = try await Self.body(of: request)
            func property(_ name: String, _ value: JSONValue?) throws -> String {
                guard let text = value?.stringValue, !text.isEmpty else {
                    throw GraphError(status: .badRequest, code: "Request_BadRequest", message: "Invalid value specified for property '\(name)' of resource 'User'.")
                }
                return text
            }
            let name = try property("userPrincipalName", body["userPrincipalName"])
            let displayName = try property("displayName", body["displayName"])
            let password = try property("passwordProfile", body["passwordProfile"]?["password"])
            // kura's users are all enabled: a request for a disabled one is refused, not quietly enabled.
            if let enabled = body["accountEnabled"], enabled != true {
                throw GraphError(status: .badRequest, code: "Request_BadRequest",
                                 message: "Invalid value specified for property 'accountEnabled' of resource 'User': kura's users are enabled (true).")
            }
            do {
                let user = try await graph.directory.createUser(userPrincipalName: name, displayName: displayName, password: password)
                return json(Self.document(user), status: .created)
            } catch let error as DirectoryError {
                throw GraphError(status: .badRequest, code: "Request_BadRequest", message: error.message)
            } catch let error as StoreError where error.code == .conflict {
                throw GraphError(status: .badRequest, code: "Request_BadRequest",
                                 message: "Another object with the same value for property userPrincipalName already exists.")
            }
        }
        router.get("/v1.0/users") { request, _ -> Response in
            let caller = try await graph.authenticate(request)
            var users = try await graph.directory.principals().filter { $0.kind == .user }
            // `$filter=userPrincipalName eq '<name>'` (az's lookup of an assignee), or on the display name.
            let filter = request.uri.queryParameters["$filter"].map(String.init) ?? ""
            if let quote = filter.firstIndex(of: "'"), let end = filter.lastIndex(of: "'"), quote < end {
                let wanted = filter[filter.index(after: quote)..<end].lowercased()
                users = users.filter { $0.userPrincipalName?.lowercased() == wanted || $0.displayName.lowercased() == wanted }
            }
            guard try await graph.isOwner(caller.oid) else {
                return json(ARMList(value: users.filter { $0.objectID == caller.oid.lowercased() }.map(Self.document)))
            }
            return json(ARMList(value: users.map(Self.document)))
        }
        router.get("/v1.0/users/:id") { request, context -> Response in
            let caller = try await graph.authenticate(request)
            return json(Self.document(try await user(context.parameters.require("id"), caller: caller)))
        }
        router.delete("/v1.0/users/:id") { request, context -> Response in
            let caller = try await graph.authenticate(request)
            guard try await graph.isOwner(caller.oid) else { throw GraphError.insufficientPrivileges }
            let user = try await user(context.parameters.require("id"), caller: caller)
            try await forget(user.objectID)
            try await graph.directory.removePrincipal(objectID: user.objectID)
            return Response(status: .noContent)
        }
    }

    /// The user `id` names (object id or sign-in name), when the caller may read it.
    func user(_ id: String, caller: AccessTokenClaims) async throws -> PrincipalRecord {
        let name = id.removingPercentEncoding ?? id
        let found = try await graph.directory.user(name)
        // Decided before the answer says whether the user exists.
        if found?.objectID != caller.oid.lowercased(), try await !graph.isOwner(caller.oid) { throw GraphError.insufficientPrivileges }
        guard let found else {
            throw GraphError(status: .notFound, code: "Request_ResourceNotFound",
                             message: "Resource '\(name)' does not exist or one of its queried reference-property objects are not present.")
        }
        return found
    }

    static func document(_ user: PrincipalRecord) -> GraphUser {
        .of(objectID: user.objectID, displayName: user.displayName, userPrincipalName: user.userPrincipalName ?? "")
    }

    static func body(of request: Request) async throws -> JSONValue {
        var mutable = request
        let bytes = try await mutable.collectBody(upTo: 64 << 10)
        guard let body = try? JSONValue(parsing: bytes.readableBytesView, maximumDepth: JSONValue.requestDepth), body.objectValue != nil else {
            throw GraphError(status: .badRequest, code: "BadRequest",
                             message: "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
        }
        return body
    }
}
