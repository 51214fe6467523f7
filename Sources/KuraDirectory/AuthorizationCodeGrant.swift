// kura — a self-hosted encrypted container registry.
// AuthorizationCodeGrant: a user signs in for a public client — the code flow with PKCE.

import Crypto
import Foundation
import KuraCore
import KuraCrypto
import Synchronization

/// What a client asks `/authorize` for, checked: a known public client, one of its redirect
/// URIs, `response_type=code` and a PKCE challenge (S256 — kura requires PKCE of every client, as
/// Entra ID does of single-page and native apps).
public struct AuthorizationRequest: Sendable, Equatable {
    public let clientID: String
    public let redirectURI: String
    public let scope: String
    public let state: String?
    public let codeChallenge: String
}

/// The public clients users may sign in to, and where each may be sent back.
public enum PublicClients {
    /// The portal (`https://<main host>/portal/signin`).
    public static let portal = "5a9c2ed5-8b0e-4c6b-a3f1-6b7572610001"
    /// The Azure CLI's own client id (its interactive `az login` and MSAL's loopback redirects).
    public static let azureCLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    static let known: Set<String> = [portal, azureCLI]

    /// Whether `client` may be sent back to `redirectURI`: the portal to its sign-in page on this
    /// installation's main endpoint; the CLI to a loopback address (`http://localhost[:port][/path]`).
    static func allows(_ client: String, redirectURI: String, endpoints: InstallationEndpoints) -> Bool {
        switch client.lowercased() {
        case portal: return redirectURI == endpoints.main + "/portal/signin"
        case azureCLI:
            guard let url = URLComponents(string: redirectURI), url.scheme == "http", url.query == nil, url.fragment == nil,
                  url.user == nil, url.password == nil, !redirectURI.contains("\\") else { return false }
            return ["localhost", "127.0.0.1"].contains(url.host ?? "")
        default: return false
        }
    }
}

/// Codes issued and not yet redeemed: one use each, ten minutes at most (Entra ID's lifetime),
/// bound to the client, redirect URI and challenge they were issued for.
final class AuthorizationCodes: Sendable {
    struct Issued: Sendable {
        let request: AuthorizationRequest
        let userObjectID: String
        let issuedAt: Int64
    }

    /// Milliseconds a code lives.
    static let lifetime: Int64 = 10 * 60 * 1000
    /// Codes held at most (the oldest go first), so unredeemed codes cannot fill memory.
    static let capacity = 10_000
    private let codes = Mutex<[String: Issued]>([:])

    func issue(_ issued: Issued) -> String {
        let code = SecretHash.generateSecret()
        codes.withLock { codes in
            if codes.count >= Self.capacity, let oldest = codes.min(by: { $0.value.issuedAt < $1.value.issuedAt })?.key { codes[oldest] = nil }
            codes[code] = issued
        }
        return code
    }

    /// The code's grant, removed (a code is used once, whether or not the redemption succeeds).
    func take(_ code: String, now: Int64) -> Issued? {
        guard let issued = codes.withLock({ $0.removeValue(forKey: code) }), now - issued.issuedAt <= Self.lifetime else { return nil }
        return issued
    }
}

extension DirectoryService {
    /// The tenant segment of a sign-in path: this installation's tenant, or Entra ID's
    /// `organizations` and `common`, which mean it here.
    /// - Throws: ``DirectoryError`` `.tenantNotFound`.
    public func requireSignInTenant(_ tenant: String) throws {
        guard [authority.tenantID, "organizations", "common"].contains(tenant.lowercased()) else {
            throw DirectoryError(.tenantNotFound, "Tenant '\(tenant)' not found. This installation's tenant is \(authority.tenantID).")
        }
    }

    /// `/authorize`'s parameters, checked before anyone is asked to sign in.
    /// - Throws: ``DirectoryError`` in Entra ID's words.
    public func authorizationRequest(clientID: String?, redirectURI: String?, responseType: String?, scope: String?, state: String?,
                                     codeChallenge: String?, codeChallengeMethod: String?) throws -> AuthorizationRequest {
        guard let clientID, !clientID.isEmpty else {
            throw DirectoryError(.invalidRequest, "The request body must contain the following parameter: 'client_id'.")
        }
        guard PublicClients.known.contains(clientID.lowercased()) else {
            throw DirectoryError(.unknownClient, "Application with identifier '\(clientID)' was not found in the directory '\(authority.tenantID)'.")
        }
        guard let redirectURI, PublicClients.allows(clientID, redirectURI: redirectURI, endpoints: endpoints) else {
            throw DirectoryError(.redirectMismatch, "The redirect URI '\(redirectURI ?? "")' specified in the request does not match the redirect URIs configured for the application '\(clientID)'.")
        }
        guard responseType == "code" else {
            throw DirectoryError(.unsupportedResponseType, "The provided value for the input parameter 'response_type' is not allowed for this request. Expected value is 'code'.")
        }
        guard let codeChallenge, (43...128).contains(codeChallenge.count), codeChallengeMethod == "S256",
              codeChallenge.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
            throw DirectoryError(.invalidRequest, "Proof Key for Code Exchange is required: send code_challenge (43-128 base64url characters) with code_challenge_method=S256.")
        }
        guard endpoints.audience(forResource: Self.resource(of: scope ?? "", default: endpoints.managementAudience)) != nil else {
            throw DirectoryError(.invalidScope, "The provided value for the input parameter 'scope' is not valid: no resource of this installation is named in '\(scope ?? "")'.")
        }
        return AuthorizationRequest(clientID: clientID.lowercased(), redirectURI: redirectURI, scope: scope ?? "", state: state,
                                    codeChallenge: codeChallenge)
    }

    /// Signs the user in for `request` and issues a code for its client.
    /// - Throws: what ``signIn(userPrincipalName:password:)`` throws.
    public func authorize(_ request: AuthorizationRequest, userPrincipalName: String, password: String) async throws -> String {
        let user = try await signIn(userPrincipalName: userPrincipalName, password: password)
        return codes.issue(.init(request: request, userObjectID: user.objectID, issuedAt: clock.milliseconds))
    }

    /// The token endpoint's `authorization_code` grant: the code, for the client and redirect URI
    /// it was issued to, with the PKCE verifier of its challenge; a token for the signed-in user
    /// (its `oid`) and the client (its `appid`), for the resource the scope names.
    /// - Throws: ``DirectoryError`` `.invalidGrant` for a code unknown, used, expired or not this
    ///   client's, or a verifier that does not match.
    public func redeem(code: String?, clientID: String?, redirectURI: String?, codeVerifier: String?, scope: String?) async throws -> IssuedToken {
        guard let code, let issued = codes.take(code, now: clock.milliseconds) else {
            throw DirectoryError(.invalidGrant, "The provided authorization code or refresh token has expired, was already redeemed or is not valid.")
        }
        guard issued.request.clientID == clientID?.lowercased(), issued.request.redirectURI == redirectURI else {
            throw DirectoryError(.invalidGrant, "The authorization code was issued to another client or redirect URI.")
        }
        guard let codeVerifier, Self.challenge(of: codeVerifier) == issued.request.codeChallenge else {
            throw DirectoryError(.invalidGrant, "The code_verifier does not match the code_challenge supplied in the authorization request.")
        }
        guard let user = try await store.principal(objectID: issued.userObjectID), user.kind == .user else {
            throw DirectoryError(.invalidGrant, "The user the code was issued for no longer exists.")
        }
        let resource = Self.resource(of: scope ?? issued.request.scope, default: endpoints.managementAudience)
        guard let audience = endpoints.audience(forResource: resource) else {
            throw DirectoryError(.invalidScope, "The provided value for the input parameter 'scope' is not valid: no resource of this installation is named in '\(scope ?? issued.request.scope)'.")
        }
        let token = try await authority.issue(objectID: user.objectID, appID: issued.request.clientID, audience: audience, version: .v2,
                                              user: (user.userPrincipalName ?? "", user.displayName))
        return IssuedToken(accessToken: token, appID: issued.request.clientID, audience: audience, expiresIn: TokenAuthority.lifetime,
                           issuedAt: Int(clock.milliseconds / 1000))
    }

    /// PKCE's S256: base64url(SHA-256(verifier)), unpadded.
    public static func challenge(of verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString()
    }

    /// The resource a v2 scope list names: its first scope that is not an OpenID one, without its
    /// permission (`https://management.localhost//user_impersonation` → `…//.default`).
    static func resource(of scope: String, default fallback: String) -> String {
        let oidc: Set<String> = ["openid", "profile", "offline_access", "email"]
        guard let named = scope.split(separator: " ").map(String.init).first(where: { !oidc.contains($0.lowercased()) }) else { return fallback }
        guard let slash = named.lastIndex(of: "/"), named[..<slash].contains("://") else { return named }
        return String(named[..<slash]) + "/.default"
    }
}
