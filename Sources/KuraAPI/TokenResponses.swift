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

/// A registry's `/oauth2/token` answer (docker's token spec; ACR's fields).
public struct RegistryTokenResponse: Codable, Sendable, Equatable {
    /// The access token, under both names docker clients read.
    public var token: String
    public var accessToken: String
    /// Seconds until expiry.
    public var expiresIn: Int
    /// ISO 8601.
    public var issuedAt: String

    public init(token: String, expiresIn: Int, issuedAt: String) {
        self.token = token
        self.accessToken = token
        self.expiresIn = expiresIn
        self.issuedAt = issuedAt
    }

    enum CodingKeys: String, CodingKey {
        case token, accessToken = "access_token", expiresIn = "expires_in", issuedAt = "issued_at"
    }
}

/// A registry's `/oauth2/exchange` answer: a refresh token for the registry (ACR).
public struct RegistryRefreshTokenResponse: Codable, Sendable, Equatable {
    public var refreshToken: String

    public init(refreshToken: String) { self.refreshToken = refreshToken }

    enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}
