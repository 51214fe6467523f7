// kura — a self-hosted encrypted container registry.
// AccessTokenClaims: what an Azure AD-style access token says.

import Foundation
public import JWTKit

/// Claims of an access token, as Azure AD issues them for applications (client credentials and
/// managed identities). Times are seconds since 1970.
public struct AccessTokenClaims: JWTPayload, Equatable {
    /// Issuer: `https://<login host>/<tenant>/v2.0` (v2) or `https://<login host>/<tenant>/` (v1).
    public var iss: IssuerClaim
    /// The resource the token is for (the scope without `/.default`).
    public var aud: AudienceClaim
    /// Tenant id.
    public var tid: String
    /// Object id of the principal.
    public var oid: String
    /// Application (client) id of the principal.
    public var appid: String
    public var sub: SubjectClaim
    public var iat: IssuedAtClaim
    public var nbf: NotBeforeClaim
    public var exp: ExpirationClaim
    /// Token version: `"1.0"` or `"2.0"`.
    public var ver: String
    /// `"app"` for a service principal or managed identity, `"user"` for a signed-in user.
    public var idtyp: String
    /// A user's sign-in name, display name and delegated permission (`user_impersonation`);
    /// absent from application tokens.
    public var upn, name, scp: String?

    /// Checks that are independent of the verifier's configuration are in ``TokenVerifier``.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
