// kura — a self-hosted encrypted container registry.
// RegistryPlane: `{registry}.cr.<suffix>` — resolve the registry, authenticate, dispatch.

package import KuraHTTP
import Foundation
import KuraAPI
package import HTTPTypes
package import Hummingbird
import KuraCore
import KuraCrypto
package import KuraDirectory
package import KuraRegistry
import Logging
import NIOCore

/// A request to one registry, resolved and authenticated.
package struct RegistryRequest: Sendable {
    package let request: Request
    package let registry: RegistryContext
    /// The Host the client used (with port): login server, token `service` and challenge `realm`.
    package let host: String
    package let query: FormParameters
    package let caller: RegistryCaller

    package var method: String { request.method.rawValue }
}

/// The registry plane's front door. Each request: find the registry by host name → parse the
/// route → authenticate (Bearer access token, Basic admin user, or anonymous) → check the scope
/// → hand over to the controller for the route. Errors leave in OCI's envelope (``OCIError``).
package struct RegistryPlane: Sendable {
    package let keyring: RegistryKeyring
    package let provisioner: RegistryProvisioner
    package let tokens: RegistryTokenService
    package let content: RegistryService
    package let uploads: UploadService
    /// Verifies AAD-style access tokens presented to `/oauth2/exchange`.
    package let authority: TokenAuthority
    /// Audiences a token must carry to be exchanged here.
    package let registryAudiences: Set<String>
    /// The roles a directory principal holds on a registry.
    package let principalRoles: @Sendable (_ objectID: String, _ registry: RegistryRecord) async throws -> Set<RegistryRole>

    package init(keyring: RegistryKeyring, provisioner: RegistryProvisioner, tokens: RegistryTokenService, content: RegistryService,
                 uploads: UploadService, authority: TokenAuthority, registryAudiences: Set<String>,
                 principalRoles: @escaping @Sendable (_ objectID: String, _ registry: RegistryRecord) async throws -> Set<RegistryRole>) {
        self.keyring = keyring
        self.provisioner = provisioner
        self.tokens = tokens
        self.content = content
        self.uploads = uploads
        self.authority = authority
        self.registryAudiences = registryAudiences
        self.principalRoles = principalRoles
    }

    /// Answers one request to the registry `registryName`; errors are rendered by ``errorResponse(_:request:context:)``
    /// (the host's chain).
    package func respond(to request: Request, registryName: String, host: String) async throws -> Response {
        var response = try await route(request, registryName: registryName, host: host)
        response.headers[Self.apiVersionHeader] = "registry/2.0"
        return response
    }

    package static var apiVersionHeader: HTTPField.Name { HTTPField.Name("Docker-Distribution-API-Version")! }

    /// The registry plane's error rendering: OCI's envelope; an error nobody mapped is logged with
    /// the request id and answers 500 naming it. An unread request body is drained by Hummingbird
    /// before the next request on the connection, so an early error never corrupts keep-alive.
    package static func errorResponse(_ error: any Error, request: Request, context: KuraRequestContext) -> Response {
        var failure = OCIError(error)
        if failure.status == .serviceUnavailable, let error = error as? StoreError, error.code == .unavailable {
            logUnavailable(error, plane: "registry", request: request, logger: context.logger)
        }
        if failure.status == .internalServerError {
            logInternalError(error, plane: "registry", request: request, logger: context.logger)
            failure = OCIError(status: failure.status, code: failure.code,
                               message: failure.message + "; the server log has the cause under request id \(context.id)")
        }
        var response = failure.response()
        response.headers[apiVersionHeader] = "registry/2.0"
        return response
    }

    private func route(_ request: Request, registryName: String, host: String) async throws -> Response {
        guard let record = try await provisioner.registry(named: registryName) else {
            throw RegistryError(.nameUnknown, "registry '\(registryName)' does not exist in this installation")
        }
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        guard let route = try RegistryRoute(path: path) else {
            throw RegistryError(.nameUnknown, "no registry endpoint at \(request.method) \(path)")
        }
        let query = FormParameters(request.uri.query)
        // The token endpoints never need the data key: they keep working while a customer-managed
        // key is revoked.
        if route == .token {
            return try await RegistryTokenController(plane: self).token(request, registry: record, host: host, query: query)
        }
        if route == .exchange {
            return try await RegistryTokenController(plane: self).exchange(request, registry: record, host: host)
        }

        let caller = try await authenticate(request, registry: record, route: route, host: host)
        let registry = RegistryContext(record: record, dataKey: try await keyring.dataKey(for: record))
        let context = RegistryRequest(request: request, registry: registry, host: host, query: query, caller: caller)
        switch route {
        case .base:
            guard request.method == .get || request.method == .head else {
                throw RegistryError(.methodNotAllowed, "\(request.method) is not supported on /v2/")
            }
            return OCIResponse.json(#"{}"#)
        case .acrCatalog:
            return try await ListingController(service: content).catalog(context, linkPath: "/acr/v1/_catalog")
        case .catalog:
            return try await ListingController(service: content).catalog(context)
        case .acrRepository(let name):
            return try await RepositoryMetadataController(service: content).repository(context, repository: name)
        case .acrManifests(let name):
            return try await RepositoryMetadataController(service: content).manifests(context, repository: name)
        case .acrTags(let name):
            return try await RepositoryMetadataController(service: content).tags(context, repository: name)
        case .acrTag(let name, let tag):
            return try await RepositoryMetadataController(service: content).tag(context, repository: name, tag: tag)
        case .tags(let name):
            return try await ListingController(service: content).tags(context, repository: name)
        case .referrers(let name, let digest):
            return try await ListingController(service: content).referrers(context, repository: name, subject: digest)
        case .manifest(let name, let reference):
            return try await ManifestController(service: content).handle(context, repository: name, reference: reference)
        case .malformedManifestReference(let name, let reference):
            return try ManifestController(service: content).malformedReference(context, repository: name, reference: reference)
        case .blob(let name, let digest):
            return try await BlobController(service: content).handle(context, repository: name, digest: digest)
        case .uploads(let name):
            return try await UploadController(service: content, uploads: uploads).start(context, repository: name)
        case .upload(let name, let id):
            return try await UploadController(service: content, uploads: uploads).handle(context, repository: name, id: id)
        case .token, .exchange:
            preconditionFailure("handled above")
        }
    }

    /// Establishes the caller and checks it may do what the route needs.
    /// - Throws: `UNAUTHORIZED` (401 + challenge) when it may not.
    private func authenticate(_ request: Request, registry: RegistryRecord, route: RegistryRoute, host: String) async throws -> RegistryCaller {
        let needed = route.requiredScope(method: request.method.rawValue)
        let authorization = request.headers[.authorization]
        var caller = RegistryCaller.anonymous
        var granted: [AccessScope] = []
        if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            guard let verified = await tokens.verify(String(authorization.dropFirst(7)), registry: registry) else {
                throw challenge(registry: registry, host: host, needed: needed, message: "the access token is invalid or expired")
            }
            (caller, granted) = verified
        } else if let authorization, authorization.lowercased().hasPrefix("basic ") {
            guard let basicCaller = try await basicCaller(authorization, registry: registry) else {
                throw challenge(registry: registry, host: host, needed: needed, message: "invalid username or password")
            }
            caller = basicCaller
            granted = try await needed.asyncMap { try await grant($0, to: caller, in: registry) } ?? []
        } else {
            granted = try await needed.asyncMap { try await grant($0, to: .anonymous, in: registry) } ?? []
        }
        if let needed {
            guard granted.contains(where: { $0.covers(needed) }) else {
                throw challenge(registry: registry, host: host, needed: needed,
                                message: authorization == nil ? "authentication required" : "the credentials do not grant \(needed)")
            }
        } else if caller == .anonymous && authorization == nil && !registry.anonymousPullEnabled {
            throw challenge(registry: registry, host: host, needed: nil, message: "authentication required")
        }
        return caller
    }

    /// What `caller` is granted for `requested`, with the roles of a principal looked up.
    package func grant(_ requested: AccessScope, to caller: RegistryCaller, in registry: RegistryRecord) async throws -> [AccessScope] {
        var roles: Set<RegistryRole> = []
        if case .principal(let objectID) = caller { roles = try await principalRoles(objectID, registry) }
        return RegistryAuthorizer.grant(requested, to: caller, in: registry, roles: roles).map { [$0] } ?? []
    }

    /// ACR's user name for "the password is a refresh token" (`az acr login --expose-token`).
    package static let refreshTokenUser = "00000000-0000-0000-0000-000000000000"

    /// The caller behind a Basic header: a refresh token under the all-zero user name, or the
    /// admin user when enabled and the password matches.
    package func basicCaller(_ authorization: String, registry: RegistryRecord) async throws -> RegistryCaller? {
        guard let (username, password) = Self.basicCredentials(authorization) else { return nil }
        if username == Self.refreshTokenUser {
            return await tokens.verifyRefreshToken(password, registry: registry).map { .principal(objectID: $0) }
        }
        guard registry.adminUserEnabled, let credentials = try provisioner.adminCredentials(of: registry),
              credentials.accepts(username: username, password: password)
        else { return nil }
        return .admin
    }

    /// The user name and password of a `Basic …` header (the caller checked the scheme): base64 of
    /// UTF-8 `user:password`, split at the first colon; nil when it is not that.
    package static func basicCredentials(_ authorization: String) -> (username: String, password: String)? {
        guard let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// A 401 with the ACR-style challenge: realm on this host, service = host without port, scope always present.
    package func challenge(registry: RegistryRecord, host: String, needed: AccessScope?, message: String) -> RegistryError {
        let service = Self.service(of: host)
        let scope = needed ?? .catalog
        let header = "Bearer realm=\"https://\(host)/oauth2/token\",service=\"\(service)\",scope=\"\(scope.type):\(scope.name):\(challengeActions(scope))\""
        return RegistryError(.unauthorized, message, detail: ["WWW-Authenticate": header])
    }

    private func challengeActions(_ scope: AccessScope) -> String {
        scope.actions == ["push"] ? "pull,push" : scope.actions.joined(separator: ",")
    }

    /// ACR's `service`: the login host without port.
    package static func service(of host: String) -> String {
        if host.hasPrefix("[") { return host }
        return host.split(separator: ":").first.map(String.init) ?? host
    }
}

extension Optional {
    package func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// Response builders shared by the registry controllers.
package enum OCIResponse {
    package static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(text.utf8.count)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    package static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentLength] = "0"
        return Response(status: status, headers: fields, body: ResponseBody())
    }

    package static func encode(_ value: some Encodable) -> String {
        String(decoding: WireJSON.encode(value), as: UTF8.self)
    }

    /// `Link: </v2/...?last=X&n=N>; rel="next"` when a page came back full.
    /// - Parameter extraQuery: appended to the link's query as is (e.g. `&orderby=timedesc`).
    package static func nextLink(path: String, last: String?, n: Int, count: Int, extraQuery: String = "") -> HTTPFields {
        guard count == n, n > 0, let last else { return [:] }
        let escaped = last.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? last
        return [.link: "<\(path)?last=\(escaped)&n=\(n)\(extraQuery)>; rel=\"next\""]
    }
}

extension HTTPField.Name {
    package static let dockerContentDigest = Self("Docker-Content-Digest")!
    package static let dockerUploadUUID = Self("Docker-Upload-UUID")!
    package static let ociSubject = Self("OCI-Subject")!
    package static let ociTag = Self("OCI-Tag")!
    package static let ociFiltersApplied = Self("OCI-Filters-Applied")!
    package static let link = Self("Link")!
}
