// kura — a self-hosted encrypted container registry.
// RegistryTokenController: GET / POST /oauth2/token on a registry host.

import Foundation
import HTTPTypes
import Hummingbird
import KuraCore
import KuraRegistry
import KuraStorage
import NIOCore

/// Issues registry access tokens (docker token spec, ACR flavour):
/// - `GET /oauth2/token?service=&scope=…` with Basic (admin user) or without (anonymous);
/// - `POST /oauth2/token` form `grant_type=password` (with `username`/`password`, or anonymous).
/// Every requested repository scope is granted all actions the caller is entitled to there.
struct RegistryTokenController {
    let plane: RegistryPlane

    func token(_ request: Request, registry: RegistryContext, host: String, query: FormParameters) async throws -> Response {
        var parameters = query
        var caller = RegistryCaller.anonymous
        switch request.method {
        case .get:
            if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("basic ") {
                guard let basic = try plane.basicCaller(authorization, registry: registry) else {
                    throw plane.challenge(registry: registry, host: host, needed: nil, message: "invalid username or password")
                }
                caller = basic
            }
        case .post:
            var mutable = request
            let body = try await mutable.collectBody(upTo: 64 << 10)
            parameters = FormParameters(Substring(String(buffer: body)))
            switch parameters["grant_type"] {
            case "password":
                if let username = parameters["username"], let password = parameters["password"] {
                    let encoded = Data("\(username):\(password)".utf8).base64EncodedString()
                    guard let basic = try plane.basicCaller("Basic " + encoded, registry: registry) else {
                        throw plane.challenge(registry: registry, host: host, needed: nil, message: "invalid username or password")
                    }
                    caller = basic
                }
            case "refresh_token":
                throw RegistryError(.unsupported, "refresh tokens need the login plane (not yet available)")
            default:
                throw RegistryError(.unsupported, "grant_type must be password or refresh_token")
            }
        default:
            throw RegistryError(.unsupported, "\(request.method) is not supported on /oauth2/token")
        }
        var access: [AccessScope] = []
        for text in parameters.all("scope").flatMap({ $0.split(separator: " ").map(String.init) }) {
            guard let requested = AccessScope(parsing: text) else { continue }
            if let granted = RegistryAuthorizer.grant(requested, to: caller, in: registry) { access.append(granted) }
        }
        let token = try await plane.tokens.issue(caller: caller, access: access, registry: registry, service: RegistryPlane.service(of: host))
        struct Body: Encodable {
            let token: String
            let access_token: String
            let expires_in: Int
            let issued_at: String
        }
        let issued = ISO8601DateFormatter().string(from: Date())
        return OCIResponse.json(try OCIResponse.encode(Body(token: token, access_token: token, expires_in: RegistryTokenService.lifetime,
                                                            issued_at: issued)))
    }
}
