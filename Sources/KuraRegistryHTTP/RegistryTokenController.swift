// kura — a self-hosted encrypted container registry.
// RegistryTokenController: GET / POST /oauth2/token on a registry host.

package import KuraHTTP
import Foundation
import KuraAPI
import HTTPTypes
package import Hummingbird
import KuraCore
import KuraDirectory
package import KuraRegistry
import NIOCore

/// Issues registry access tokens (docker token spec, ACR flavour):
/// - `GET /oauth2/token?service=&scope=…` with Basic (admin user) or without (anonymous);
/// - `POST /oauth2/token` form `grant_type=password` (with `username`/`password`, or anonymous).
/// Every requested repository scope is granted all actions the caller is entitled to there.
package struct RegistryTokenController {
    package let plane: RegistryPlane

    package func token(_ request: Request, registry: RegistryRecord, host: String, query: FormParameters) async throws -> Response {
        var parameters = query
        var caller = RegistryCaller.anonymous
        switch request.method {
        case .get:
            if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("basic ") {
                guard let basic = try await plane.basicCaller(authorization, registry: registry) else {
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
                    guard let basic = try await plane.basicCaller("Basic " + encoded, registry: registry) else {
                        throw plane.challenge(registry: registry, host: host, needed: nil, message: "invalid username or password")
                    }
                    caller = basic
                }
            case "refresh_token":
                guard let refresh = parameters["refresh_token"],
                      let objectID = await plane.tokens.verifyRefreshToken(refresh, registry: registry)
                else { throw plane.challenge(registry: registry, host: host, needed: nil, message: "the refresh token is invalid or expired") }
                caller = .principal(objectID: objectID)
            default:
                throw RegistryError(.grantUnsupported, "grant_type must be password or refresh_token")
            }
        default:
            throw RegistryError(.methodNotAllowed, "\(request.method) is not supported on /oauth2/token")
        }
        var access: [AccessScope] = []
        for text in parameters.all("scope").flatMap({ $0.split(separator: " ").map(String.init) }) {
            guard let requested = AccessScope(parsing: text) else { continue }
            access += try await plane.grant(requested, to: caller, in: registry)
        }
        let token = try await plane.tokens.issue(caller: caller, access: access, registry: registry, service: RegistryPlane.service(of: host))
        let issued = ISO8601DateFormatter().string(from: plane.tokens.clock.now())
        return OCIResponse.json(OCIResponse.encode(RegistryTokenResponse.issued(token, expiresIn: RegistryTokenService.lifetime, at: issued)))
    }

    /// `POST /oauth2/exchange`: an AAD-style access token for the registry audience becomes a
    /// registry refresh token (`{"refresh_token": …}`), as ACR's `/oauth2/exchange`.
    package func exchange(_ request: Request, registry: RegistryRecord, host: String) async throws -> Response {
        guard request.method == .post else { throw RegistryError(.methodNotAllowed, "\(request.method) is not supported on /oauth2/exchange") }
        var mutable = request
        let form = FormParameters(Substring(String(buffer: try await mutable.collectBody(upTo: 64 << 10))))
        guard form["grant_type"] == "access_token" || form["grant_type"] == "access_token_refresh_token" || form["grant_type"] == nil,
              let accessToken = form["access_token"]
        else { throw RegistryError(.grantUnsupported, "grant_type must be access_token, with access_token") }
        let claims: AccessTokenClaims
        do {
            claims = try await plane.authority.verify(accessToken, audiences: plane.registryAudiences)
        } catch {
            throw RegistryError(.unauthorized, "the access token cannot be exchanged: \(error)")
        }
        let refresh = try await plane.tokens.issueRefreshToken(objectID: claims.oid, tenant: claims.tid, registry: registry,
                                                               service: RegistryPlane.service(of: host))
        return OCIResponse.json(OCIResponse.encode(RegistryRefreshTokenResponse(refreshToken: refresh)))
    }
}
