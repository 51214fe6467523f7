// kura — a self-hosted encrypted container registry.
// TokenResponses: the token endpoints' answers, as the server writes them and the CLI reads them.

/// Azure AD's answer to a v2 `client_credentials` grant (`/{tenant}/oauth2/v2.0/token`).
public struct TokenResponse: Codable, Sendable, Equatable {
    public var tokenType: String
    /// Seconds until expiry.
    public var expiresIn: Int
    public var extExpiresIn: Int
    public var accessToken: String

    public init(accessToken: String, expiresIn: Int, tokenType: String = "Bearer") {
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.extExpiresIn = expiresIn
        self.accessToken = accessToken
    }

    enum CodingKeys: String, CodingKey {
        case tokenType = "token_type", expiresIn = "expires_in", extExpiresIn = "ext_expires_in", accessToken = "access_token"
    }
}

/// Azure AD v1's answer (`/{tenant}/oauth2/token`) and the managed-identity endpoint's (IMDS-shaped,
/// with `client_id`): every time a string of seconds, the audience named as `resource`.
public struct TokenResponseV1: Codable, Sendable, Equatable {
    public var tokenType, accessToken, resource: String
    /// Seconds until expiry; `expiresOn` and `notBefore` are Unix seconds.
    public var expiresIn, extExpiresIn, expiresOn, notBefore: String
    /// The identity's app id (managed identities only).
    public var clientId: String?

    enum CodingKeys: String, CodingKey {
        case tokenType = "token_type", accessToken = "access_token", resource, expiresIn = "expires_in", extExpiresIn = "ext_expires_in",
             expiresOn = "expires_on", notBefore = "not_before", clientId = "client_id"
    }

    /// A token for `resource` issued at `issuedAt` (Unix seconds), valid `expiresIn` seconds.
    public static func issued(_ token: String, resource: String, issuedAt: Int, expiresIn: Int, clientID: String? = nil) -> TokenResponseV1 {
        TokenResponseV1(tokenType: "Bearer", accessToken: token, resource: resource, expiresIn: String(expiresIn), extExpiresIn: String(expiresIn),
                        expiresOn: String(issuedAt + expiresIn), notBefore: String(issuedAt), clientId: clientID)
    }
}

/// A registry's `/oauth2/token` answer (docker's token spec; ACR's fields). The access token is
/// written under both names docker clients read (`token`, `access_token`) and read from either.
public struct RegistryTokenResponse: Codable, Sendable, Equatable {
    public var accessToken: String
    /// Seconds until expiry.
    public var expiresIn: Int
    /// ISO 8601.
    public var issuedAt: String

    enum CodingKeys: String, CodingKey {
        case token, accessToken = "access_token", expiresIn = "expires_in", issuedAt = "issued_at"
    }

    public static func issued(_ token: String, expiresIn: Int, at issuedAt: String) -> RegistryTokenResponse {
        RegistryTokenResponse(accessToken: token, expiresIn: expiresIn, issuedAt: issuedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(accessToken, forKey: .token)
        try container.encode(accessToken, forKey: .accessToken)
        try container.encode(expiresIn, forKey: .expiresIn)
        try container.encode(issuedAt, forKey: .issuedAt)
    }
}

extension RegistryTokenResponse {
    /// Reads the token from `access_token`, else `token`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let token = try container.decodeIfPresent(String.self, forKey: .accessToken) ?? container.decode(String.self, forKey: .token)
        self.init(accessToken: token, expiresIn: try container.decodeIfPresent(Int.self, forKey: .expiresIn) ?? 0,
                  issuedAt: try container.decodeIfPresent(String.self, forKey: .issuedAt) ?? "")
    }
}

/// A registry's `/oauth2/exchange` answer: a refresh token for the registry (ACR).
public struct RegistryRefreshTokenResponse: Codable, Sendable, Equatable {
    public var refreshToken: String

    public init(refreshToken: String) { self.refreshToken = refreshToken }

    enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}
