// kura — a self-hosted encrypted container registry.
// TokenAuthority: issues and verifies the installation's access tokens (RS256, one verifier for every plane).

import Crypto
public import KuraAPI
public import Foundation
import JWTKit
public import KuraCore
import _CryptoExtras

/// Why a token was refused. Each case is a distinct check of ``TokenAuthority/verify(_:audiences:)``.
public enum TokenRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed
    /// `alg` is not RS256 (e.g. `none`).
    case algorithm(String)
    /// `kid` names no key of this installation.
    case unknownKey
    case signature
    case expired
    case notYetValid
    case audience(String)
    case tenant(String)
    case issuer(String)

    public var description: String {
        switch self {
        case .malformed: "the token is not a JWT"
        case .algorithm(let alg): "the token is signed with '\(alg)', not RS256"
        case .unknownKey: "the token's key id is unknown"
        case .signature: "the token's signature does not verify"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .audience(let aud): "the token is for '\(aud)', not this resource"
        case .tenant(let tid): "the token is for tenant '\(tid)', not this installation's"
        case .issuer(let iss): "the token was issued by '\(iss)', not this installation"
        }
    }
}

/// The installation's token authority: one RSA key from the data dir (so tokens survive
/// restarts and every node agrees), published as a JWKS; one verifier used by every plane.
///
/// ```swift
/// let authority = try await TokenAuthority(signingKeyPEM: pem, tenantID: tenant, loginEndpoint: "https://localhost:8443")
/// let token = try await authority.issue(principal: (objectID, appID), audience: "https://management.localhost/", version: .v2)
/// let claims = try await authority.verify(token, audiences: ["https://management.localhost/"])
/// ```
public struct TokenAuthority: Sendable {
    public enum Version: String, Sendable {
        case v1 = "1.0"
        case v2 = "2.0"
    }

    /// Lifetime of an access token, in seconds (as Azure AD: about an hour).
    public static let lifetime = 3599
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    public static let skew: TimeInterval = 120

    public let tenantID: String
    /// `https://host[:port]` of the login plane, no trailing slash.
    public let loginEndpoint: String
    /// Key id: base64url of the SHA-256 of the public key's DER, first 32 characters.
    public let keyID: String
    private let keys: JWTKeyCollection
    private let publicKey: _RSA.Signing.PublicKey
    /// Reads the time of `iat`/`nbf`/`exp` and of every expiry check.
    let clock: any WallClock

    public init(signingKeyPEM: String, tenantID: String, loginEndpoint: String, clock: any WallClock = SystemClock()) async throws {
        self.clock = clock
        let key = try Insecure.RSA.PrivateKey(pem: signingKeyPEM)
        let crypto = try _RSA.Signing.PrivateKey(pemRepresentation: signingKeyPEM)
        publicKey = crypto.publicKey
        keyID = String(Data(SHA256.hash(data: crypto.publicKey.derRepresentation)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").prefix(32))
        keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        self.tenantID = tenantID
        self.loginEndpoint = loginEndpoint
    }

    /// The issuer of tokens of `version`, as Azure AD writes it.
    public func issuer(_ version: Version) -> String {
        version == .v2 ? "\(loginEndpoint)/\(tenantID)/v2.0" : "\(loginEndpoint)/\(tenantID)/"
    }

    /// Signs an access token for a principal and a resource; `user` (its sign-in and display name)
    /// makes it a user's delegated token (`idtyp: user`, `upn`, `name`, `scp`), `appID` then being
    /// the client the user signed in through.
    public func issue(objectID: String, appID: String, audience: String, version: Version,
                      user: (userPrincipalName: String, displayName: String)? = nil) async throws -> String {
        // Whole seconds, as Entra ID writes them.
        let now = Date(timeIntervalSince1970: clock.now().timeIntervalSince1970.rounded(.down))
        let claims = AccessTokenClaims(
            iss: IssuerClaim(value: issuer(version)), aud: AudienceClaim(value: [audience]), tid: tenantID, oid: objectID,
            appid: appID, sub: SubjectClaim(value: objectID), iat: IssuedAtClaim(value: now),
            nbf: NotBeforeClaim(value: now.addingTimeInterval(-5)),
            exp: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(Self.lifetime))), ver: version.rawValue,
            idtyp: user == nil ? "app" : "user", upn: user?.userPrincipalName, name: user?.displayName, scp: user.map { _ in "user_impersonation" })
        var header = JWTHeader()
        header.typ = "JWT"
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyID), header: header)
    }

    /// Verifies signature, algorithm, key id, expiry (with skew), audience, tenant and issuer.
    /// - Parameter audiences: accepted audiences; each also matches with or without a trailing `/`.
    /// - Throws: ``TokenRejection`` naming the first check that failed.
    public func verify(_ token: String, audiences: Set<String>) async throws(TokenRejection) -> AccessTokenClaims {
        let now = clock.now()
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Data(base64URLEncoded: parts[0]),
              let header = try? JSONValue(parsing: headerData)
        else { throw .malformed }
        let alg = header["alg"]?.stringValue ?? ""
        guard alg == "RS256" else { throw .algorithm(alg) }
        guard header["kid"]?.stringValue == keyID else { throw .unknownKey }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw Data(base64URLEncoded: parts[1]).flatMap { try? JSONDecoder().decode(AccessTokenClaims.self, from: $0) } == nil
                ? .malformed : .signature
        }
        guard claims.exp.value.addingTimeInterval(Self.skew) > now else { throw .expired }
        guard claims.nbf.value.addingTimeInterval(-Self.skew) <= now else { throw .notYetValid }
        let normalized = Set(audiences.map(Self.trimSlash))
        guard let audience = claims.aud.value.first(where: { normalized.contains(Self.trimSlash($0)) }) else {
            throw .audience(claims.aud.value.first ?? "")
        }
        _ = audience
        guard claims.tid == tenantID else { throw .tenant(claims.tid) }
        guard claims.iss.value == issuer(.v1) || claims.iss.value == issuer(.v2) else { throw .issuer(claims.iss.value) }
        return claims
    }

    /// The JWKS document (`{"keys":[…]}`) publishing the verification key.
    public func jwks() throws -> JSONValue {
        let primitives = try publicKey.getKeyPrimitives()
        return ["keys": [["kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(keyID),
                          "n": .string(Self.base64URL(primitives.modulus)), "e": .string(Self.base64URL(primitives.publicExponent))]]]
    }

    static func trimSlash(_ audience: String) -> String {
        audience.hasSuffix("/") ? String(audience.dropLast()) : audience
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

}
