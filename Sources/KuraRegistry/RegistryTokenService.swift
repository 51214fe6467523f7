// kura — a self-hosted encrypted container registry.
// RegistryTokenService: short-lived registry access tokens (JWT, HS256).

import Crypto
import Foundation
import JWTKit
public import KuraCore
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

    /// The signature only: the lifetime is checked against the service's clock (``isCurrent(exp:nbf:)``).
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Claims of a registry refresh token (what `/oauth2/exchange` hands out for an AAD token).
struct RegistryRefreshClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim
    var iat: IssuedAtClaim
    var reg: String
    var grant_type: String
    var tenant: String
    /// Re-rolled until the payload's base64url has no `-` or `_` (the ACR SDK decodes it with
    /// the standard alphabet; wire notes §9.4).
    var nonce: String

    /// The signature only: the lifetime is checked against the service's clock (``isCurrent(exp:nbf:)``).
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and verifies registry access tokens. They are HMAC-signed with a key derived from the
/// root key, so they survive restarts and every node of an installation accepts them; clients
/// never look inside.
public struct RegistryTokenService: Sendable {
    /// Lifetime of an access token, in seconds.
    public static let lifetime = 1200
    private let keys: JWTKeyCollection
    public let clock: any WallClock

    public init(hierarchy: KeyHierarchy, clock: any WallClock = SystemClock()) async {
        self.clock = clock
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: hierarchy.key(for: .registryTokens)), digestAlgorithm: .sha256, kid: "registry")
    }

    /// A token for `caller` granting `access` in `registry`, audience `service`.
    public func issue(caller: RegistryCaller, access: [AccessScope], registry: RegistryRecord, service: String) async throws -> String {
        let now = clock.now()
        let claims = RegistryAccessClaims(
            iss: IssuerClaim(value: "kura"), sub: SubjectClaim(value: caller.subject), aud: AudienceClaim(value: [service]),
            exp: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(Self.lifetime))), nbf: NotBeforeClaim(value: now),
            iat: IssuedAtClaim(value: now), jti: IDClaim(value: UUID().uuidString.lowercased()), reg: registry.id, access: access)
        return try await keys.sign(claims, kid: "registry")
    }

    /// Lifetime of a refresh token, in seconds (hours, so the ACR SDK does not re-exchange on every call).
    public static let refreshLifetime = 3 * 3600

    /// A refresh token for a directory principal, whose payload segment is free of `-` and `_`.
    public func issueRefreshToken(objectID: String, tenant: String, registry: RegistryRecord, service: String) async throws -> String {
        let now = clock.now()
        for attempt in 0..<100_000 {
            let claims = RegistryRefreshClaims(
                iss: IssuerClaim(value: "kura"), sub: SubjectClaim(value: objectID), aud: AudienceClaim(value: [service]),
                exp: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(Self.refreshLifetime))), nbf: NotBeforeClaim(value: now),
                iat: IssuedAtClaim(value: now), reg: registry.id, grant_type: "refresh_token", tenant: tenant, nonce: String(attempt))
            let token = try await keys.sign(claims, kid: "registry")
            let payload = token.split(separator: ".")[1]
            if !payload.contains("-") && !payload.contains("_") { return token }
        }
        throw RegistryError(.unavailable, "could not mint a refresh token the ACR SDK can decode")
    }

    /// The principal of a valid refresh token for `registry`, or nil.
    public func verifyRefreshToken(_ token: String, registry: RegistryRecord) async -> String? {
        guard let claims = try? await keys.verify(token, as: RegistryRefreshClaims.self), claims.reg == registry.id,
              claims.grant_type == "refresh_token", isCurrent(exp: claims.exp, nbf: claims.nbf)
        else { return nil }
        return claims.sub.value
    }

    /// The grants of a valid token for `registry`, or nil when the token is invalid, expired or for another registry.
    public func verify(_ token: String, registry: RegistryRecord) async -> (caller: RegistryCaller, access: [AccessScope])? {
        guard let claims = try? await keys.verify(token, as: RegistryAccessClaims.self), claims.reg == registry.id,
              isCurrent(exp: claims.exp, nbf: claims.nbf) else { return nil }
        let caller: RegistryCaller = switch claims.sub.value {
        case "anonymous": .anonymous
        case "admin": .admin
        default: .principal(objectID: claims.sub.value)
        }
        return (caller, claims.access)
    }

    /// The lifetime check both token kinds share: not expired, not before `nbf` (60 s of skew).
    func isCurrent(exp: ExpirationClaim, nbf: NotBeforeClaim) -> Bool {
        let now = clock.now()
        return exp.value > now && nbf.value <= now.addingTimeInterval(60)
    }
}
