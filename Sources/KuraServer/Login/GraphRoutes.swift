// kura — a self-hosted encrypted container registry.
// GraphRoutes: the few Microsoft Graph reads az makes about service principals.

import Foundation
import Hummingbird
import KuraCore
import KuraDirectory
import KuraStorage
import NIOCore

/// Microsoft Graph v1.0, as much as `az` needs to name principals: `servicePrincipals` (by
/// `servicePrincipalNames/any(c:c eq '<appId>')` or by id), `directoryObjects/getByIds`, and
/// `/me` (which fails for application tokens, as real Graph does). Tokens need the Graph audience
/// (the main endpoint, `microsoftGraphResourceId` in `/metadata/endpoints`).
struct GraphRoutes {
    let directory: DirectoryService

    func add(to router: Router<KuraRequestContext>) {
        router.get("/v1.0/me") { request, _ -> Response in
            try await authenticate(request)
            throw AzureError(status: .badRequest, code: "BadRequest", message: "/me request is only valid with delegated authentication flow.")
        }
        router.get("/v1.0/servicePrincipals") { request, _ in
            try await authenticate(request)
            let filter = request.uri.queryParameters["$filter"].map(String.init) ?? ""
            var principals = try await directory.metadata.principals()
            if let quote = filter.firstIndex(of: "'"), let end = filter.lastIndex(of: "'"), quote < end {
                let wanted = filter[filter.index(after: quote)..<end].lowercased()
                principals = principals.filter { $0.appID == wanted || $0.objectID == wanted || $0.displayName.lowercased() == wanted }
            }
            return try graphJSON(["value": .array(principals.map(document))])
        }
        router.get("/v1.0/servicePrincipals/:id") { request, context in
            try await authenticate(request)
            let id = try context.parameters.require("id").lowercased()
            guard let principal = try await directory.metadata.principal(objectID: id) else {
                throw AzureError(status: .notFound, code: "Request_ResourceNotFound", message: "Resource '\(id)' does not exist.")
            }
            return try graphJSON(document(principal))
        }
        router.post("/v1.0/directoryObjects/getByIds") { request, _ in
            try await authenticate(request)
            var mutable = request
            let body = try? JSONValue(parsing: try await mutable.collectBody(upTo: 1 << 20).readableBytesView)
            var found: [JSONValue] = []
            for id in body?["ids"]?.arrayValue ?? [] {
                if let text = id.stringValue, let principal = try await directory.metadata.principal(objectID: text.lowercased()) {
                    found.append(document(principal))
                }
            }
            return try graphJSON(["value": .array(found)])
        }
    }

    func document(_ principal: PrincipalRecord) -> JSONValue {
        ["@odata.type": "#microsoft.graph.servicePrincipal", "id": .string(principal.objectID), "appId": .string(principal.appID),
         "displayName": .string(principal.displayName), "servicePrincipalNames": [.string(principal.appID)],
         "servicePrincipalType": .string(principal.kind == .managedIdentity ? "ManagedIdentity" : "Application"),
         "appOwnerOrganizationId": .string(directory.authority.tenantID)]
    }

    func authenticate(_ request: Request) async throws {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw AzureError(status: .unauthorized, code: "InvalidAuthenticationToken", message: "Access token is empty.")
        }
        do {
            _ = try await directory.authority.verify(String(header.dropFirst(7)), audiences: [directory.endpoints.graphAudience])
        } catch {
            throw AzureError(status: .unauthorized, code: "InvalidAuthenticationToken", message: "Access token validation failure: \(error).")
        }
    }

    func graphJSON(_ value: JSONValue) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}
