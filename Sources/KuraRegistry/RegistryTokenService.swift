// kura — a self-hosted encrypted container registry.
// RegistryTokenService: short-lived registry access tokens (JWT, HS256).

import Crypto
import Foundation
import JWTKit
public import KuraCrypto

/// Claims of a registry access token (docker token spec: `access` lists what it grants).
struct RegistryAccessClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    /// The registry id the token is for (a token of one registry never opens another).
    var reg: String
    var access: [AccessScope]

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired(currentDate: Date())
        try nbf.verifyNotBefore(currentDate: Date().addingTimeInterval(60))
    }
}

/// Issues and verifies registry access tokens. They are HMAC-signed with a key derived from the
/// root key, so they survive restarts and every node of an installation accepts them; clients
/// never look inside.
public struct RegistryTokenService: Sendable {
    /// Lifetime of an access token, in seconds.
    public static let lifetime = 1200
    private let keys: JWTKeyCollection

    public init(hierarchy: KeyHierarchy) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: hierarchy.key(for: .registryTokens)), digestAlgorithm: .sha256, kid: "registry")
    }

    /// A token for `caller` granting `access` in `registry`, audience `service`.
    public func issue(caller: RegistryCaller, access: [AccessScope], registry: RegistryContext, service: String) async throws -> String {
        let now = Date()
        let claims = RegistryAccessClaims(
            iss: IssuerClaim(value: "kura"), sub: SubjectClaim(value: caller.subject), aud: AudienceClaim(value: [service]),
            exp: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(Self.lifetime))), nbf: NotBeforeClaim(value: now),
            iat: IssuedAtClaim(value: now), jti: IDClaim(value: UUID().uuidString.lowercased()), reg: registry.id, access: access)
        return try await keys.sign(claims, kid: "registry")
    }

    /// The grants of a valid token for `registry`, or nil when the token is invalid, expired or for another registry.
    public func verify(_ token: String, registry: RegistryContext) async -> (caller: RegistryCaller, access: [AccessScope])? {
        guard let claims = try? await keys.verify(token, as: RegistryAccessClaims.self), claims.reg == registry.id else { return nil }
        let caller: RegistryCaller = switch claims.sub.value {
        case "anonymous": .anonymous
        case "admin": .admin
        default: .principal(objectID: claims.sub.value)
        }
        return (caller, claims.access)
    }
}
