// kura — a self-hosted encrypted container registry.
// LoginRoutes: Azure AD-style discovery, token and key endpoints, and ARM's tenant/subscription discovery.

package import KuraHTTP
import Foundation
package import KuraAPI
import HTTPTypes
package import Hummingbird
import KuraCore
import KuraCrypto
package import KuraDirectory
import NIOCore
import NIOFoundationCompat

/// The login plane's routes on the main host, in the order a client meets them:
/// `/metadata/endpoints` (az cloud register) → OpenID discovery → token → JWKS; then ARM's
/// `/subscriptions` and `/tenants` (az login).
package struct LoginRoutes {
    package let directory: DirectoryService
    package let access: AccessControl
    package let subscriptionID: String
    /// Whether a principal may administer the directory (Owner of the subscription).
    package let isOwner: @Sendable (_ objectID: String) async throws -> Bool
    /// What callers of the managed-identity endpoint must present (`<data dir>/identity-endpoint.secret`).
    package let identitySecret: String

    package init(directory: DirectoryService, access: AccessControl, subscriptionID: String,
                 isOwner: @escaping @Sendable (_ objectID: String) async throws -> Bool, identitySecret: String) {
        self.directory = directory
        self.access = access
        self.subscriptionID = subscriptionID
        self.isOwner = isOwner
        self.identitySecret = identitySecret
    }

    package func add(to router: Router<KuraRequestContext>) {
        let graph = GraphRoutes(directory: directory, isOwner: isOwner)
        graph.add(to: router)
        GraphUserRoutes(graph: graph, forget: { objectID in
            for assignment in try await access.assignments(principalID: objectID) { try await access.removeAssignment(name: assignment.name) }
        }).add(to: router)
        SignInRoutes(directory: directory).add(to: router)
        router.get("/metadata/endpoints") { _, _ in json(metadataEndpoints()) }
        router.get("/:tenant/v2.0/.well-known/openid-configuration") { _, context in
            try json(openIDConfiguration(tenant: try context.parameters.require("tenant"), version: .v2))
        }
        router.get("/:tenant/.well-known/openid-configuration") { _, context in
            try json(openIDConfiguration(tenant: try context.parameters.require("tenant"), version: .v1))
        }
        router.post("/:tenant/oauth2/v2.0/token") { request, context in
            try await token(request, tenant: try context.parameters.require("tenant"), version: .v2)
        }
        router.post("/:tenant/oauth2/token") { request, context in
            try await token(request, tenant: try context.parameters.require("tenant"), version: .v1)
        }
        router.get("/:tenant/discovery/v2.0/keys") { _, _ in json(try directory.authority.jwks()) }
        router.get("/:tenant/discovery/keys") { _, _ in json(try directory.authority.jwks()) }
        // ARM shows a principal the subscriptions where it holds some role (at the subscription or any
        // group or resource in it); to anyone else the subscription does not exist (404, as ARM answers
        // an id it will not show). az login finds no subscription for such a principal, as in Azure.
        router.get("/subscriptions") { request, _ in
            let claims = try await requireManagementToken(request)
            let visible = try await hasAnyRole(claims.oid)
            let subscriptions = visible ? [subscription()] : []
            return json(ARMList(value: subscriptions))
        }
        router.get("/subscriptions/:subscription") { request, context in
            let claims = try await requireManagementToken(request)
            let asked = try context.parameters.require("subscription")
            guard asked.lowercased() == subscriptionID, try await hasAnyRole(claims.oid) else {
                throw AzureError(status: .notFound, code: "SubscriptionNotFound", message: "The subscription '\(asked)' could not be found.")
            }
            return json(subscription())
        }
        router.get("/metadata/identity/oauth2/token") { request, _ in try await managedIdentityToken(request) }
        // kura's directory API: create and list service principals (Owner only).
        router.post("/directory/v1/servicePrincipals") { request, _ in
            try await requireOwner(request)
            var mutable = request
            let body = try await mutable.collectBody(upTo: 64 << 10)
            guard let name = (try? JSONValue(parsing: body.readableBytesView, maximumDepth: JSONValue.requestDepth))?["displayName"]?.stringValue else {
                throw AzureError(status: .badRequest, code: "InvalidRequestContent", message: "The request body needs a 'displayName' string.")
            }
            do {
                let (principal, secret) = try await directory.createServicePrincipal(displayName: name)
                return json(CreatedServicePrincipal.of(appId: principal.appID, objectId: principal.objectID, displayName: principal.displayName,
                                                       password: secret, tenant: directory.authority.tenantID), status: .created)
            } catch let error as DirectoryError {
                throw AzureError(status: .badRequest, code: "InvalidRequestContent", message: error.message)
            }
        }
        router.get("/directory/v1/servicePrincipals") { request, _ in
            try await requireOwner(request)
            let principals = try await directory.principals().filter { $0.kind == .servicePrincipal }
            return json(ARMList(value: principals.map { JSONValue.object(["appId": .string($0.appID), "objectId": .string($0.objectID),
                                                                          "displayName": .string($0.displayName)]) }))
        }
        router.get("/tenants") { request, _ in
            try await requireManagementToken(request)
            let tenant = directory.authority.tenantID
            return json(ARMList(value: [JSONValue.object(["id": .string("/tenants/\(tenant)"), "tenantId": .string(tenant), "tenantCategory": "Home",
                                                          "displayName": "kura"])]))
        }
    }

    /// The cloud metadata document `az cloud register` reads (suffixes carry the port).
    package func metadataEndpoints() -> CloudMetadata {
        let endpoints = directory.endpoints
        return .installation(main: endpoints.main, tenant: directory.authority.tenantID, managementAudience: endpoints.managementAudience,
                             graphAudience: endpoints.graphAudience,
                             suffixes: .init(keyVaultDns: endpoints.vaultDNSSuffix, acrLoginServer: endpoints.registryLoginSuffix))
    }

    package func openIDConfiguration(tenant: String, version: TokenAuthority.Version) throws -> JSONValue {
        guard tenant.lowercased() == directory.authority.tenantID else {
            throw AADError(DirectoryError(.tenantNotFound, "Tenant '\(tenant)' not found."))
        }
        let base = "\(directory.endpoints.main)/\(directory.authority.tenantID)"
        let path = version == .v2 ? "oauth2/v2.0" : "oauth2"
        return [
            "issuer": .string(directory.authority.issuer(version)),
            "authorization_endpoint": .string("\(base)/\(path)/authorize"),
            "token_endpoint": .string("\(base)/\(path)/token"),
            "device_authorization_endpoint": .string("\(base)/\(path)/devicecode"),
            "jwks_uri": .string("\(base)/discovery/\(version == .v2 ? "v2.0/" : "")keys"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["client_credentials", "authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "tenant_region_scope": "kura",
        ]
    }

    /// `client_credentials` with `scope` (v2) or `resource` (v1); MSAL's `claims` and
    /// `client_info` are ignored. Errors in Azure AD's shape.
    package func token(_ request: Request, tenant: String, version: TokenAuthority.Version) async throws -> Response {
        do {
            var mutable = request
            let body = try await mutable.collectBody(upTo: 64 << 10)
            let form = FormParameters(Substring(String(buffer: body)))
            var clientID = form["client_id"]
            var clientSecret = form["client_secret"]
            if let basic = request.headers[.authorization], basic.lowercased().hasPrefix("basic "),
               let decoded = Data(base64Encoded: String(basic.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }),
               let colon = decoded.firstIndex(of: ":") {
                clientID = clientID ?? String(decoded[..<colon]).removingPercentEncoding
                clientSecret = clientSecret ?? String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
            }
            let issued: DirectoryService.IssuedToken
            switch form["grant_type"] {
            case "client_credentials":
                issued = try await directory.clientCredentials(tenant: tenant, clientID: clientID, clientSecret: clientSecret,
                                                               resource: version == .v2 ? form["scope"] : form["resource"], version: version)
            case "authorization_code" where version == .v2:
                try directory.requireSignInTenant(tenant)
                issued = try await directory.redeem(code: form["code"], clientID: clientID, redirectURI: form["redirect_uri"],
                                                    codeVerifier: form["code_verifier"], scope: form["scope"])
            default:
                throw DirectoryError(.unsupportedGrantType, "The provided value for the input parameter 'grant_type' is not valid. Expected client_credentials or (v2) authorization_code.")
            }
            var response: Response
            if version == .v2 {
                response = Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(
                    byteBuffer: ByteBuffer(bytes: WireJSON.encode(TokenResponse(accessToken: issued.accessToken, expiresIn: issued.expiresIn)))))
            } else {
                // v1's shape (times as strings, the resource named) is read by no client of ours.
                response = json(TokenResponseV1.issued(issued.accessToken, resource: issued.audience, issuedAt: issued.issuedAt,
                                                       expiresIn: issued.expiresIn))
            }
            response.headers[.cacheControl] = "no-store, no-cache"
            return response
        } catch let error as DirectoryError {
            throw AADError(error)
        }
    }

    /// The managed-identity endpoint, IMDS-shaped: `Metadata: true` and the installation's identity
    /// secret (`X-IDENTITY-HEADER`, as App Service's identity endpoint, or `X-Kura-Identity-Secret`)
    /// are required; the identity is chosen by `client_id`, `object_id`, `mi_res_id` or, when there
    /// is only one, by default. Answers the v1 token shape with string times.
    package func managedIdentityToken(_ request: Request) async throws -> Response {
        let query = FormParameters(request.uri.query)
        do {
            let presented = request.headers[HTTPField.Name("X-IDENTITY-HEADER")!] ?? request.headers[HTTPField.Name("X-Kura-Identity-Secret")!]
            guard request.headers[HTTPField.Name("Metadata")!]?.lowercased() == "true" || presented != nil else {
                throw DirectoryError(.identityForbidden, "Required metadata header not specified")
            }
            guard let presented, constantTimeEquals(presented, identitySecret) else {
                throw DirectoryError(.identityForbidden, "The identity secret header is missing or wrong.")
            }
            guard let resource = query["resource"] else {
                throw DirectoryError(.invalidRequest, "Required query variable 'resource' is missing")
            }
            let issued = try await directory.managedIdentityToken(clientID: query["client_id"], objectID: query["object_id"] ?? query["principal_id"],
                                                                  resourceID: query["mi_res_id"] ?? query["msi_res_id"],
                                                                  resource: resource)
            return json(TokenResponseV1.issued(issued.accessToken, resource: issued.audience, issuedAt: issued.issuedAt,
                                               expiresIn: issued.expiresIn, clientID: issued.appID))
        } catch let error as DirectoryError {
            throw AADError(error)
        }
    }

    /// Directory administration needs a management token of an Owner.
    package func requireOwner(_ request: Request) async throws {
        let claims = try await requireManagementToken(request)
        guard try await isOwner(claims.oid) else {
            throw AzureError(status: .forbidden, code: "AuthorizationFailed",
                             message: "The client '\(claims.oid)' does not have authorization to manage service principals.")
        }
    }

    /// Whether `objectID` holds any role assignment at this installation's subscription or within it.
    package func hasAnyRole(_ objectID: String) async throws -> Bool {
        let scope = ResourceID(subscription: subscriptionID)
        return try await access.assignments(principalID: objectID.lowercased()).contains { $0.scope.isWithin(scope) }
    }

    /// ARM calls need a valid token for the management audience.
    @discardableResult
    package func requireManagementToken(_ request: Request) async throws -> AccessTokenClaims {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw AzureError.authenticationMissing(endpoints: directory.endpoints, tenant: directory.authority.tenantID)
        }
        do {
            return try await directory.authority.verify(String(header.dropFirst(7)), audiences: [directory.endpoints.managementAudience])
        } catch {
            throw AzureError(status: .unauthorized, code: "InvalidAuthenticationToken", message: "The access token is invalid: \(error).")
        }
    }

    package func subscription() -> Subscription {
        .installation(subscriptionID, tenant: directory.authority.tenantID)
    }
}
