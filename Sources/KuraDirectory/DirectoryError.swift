// kura — a self-hosted encrypted container registry.
// DirectoryError: the login plane's errors, in Azure AD's vocabulary.

/// An error of the login plane. The code table mirrors Azure AD's OAuth2 errors (`error`, the
/// `AADSTS` number, HTTP status); the server renders `{"error","error_description","error_codes"}`.
public struct DirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        /// OAuth2 `error` value.
        public let error: String
        /// Azure AD's `AADSTS` number.
        public let number: Int
        public let status: Int
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `AADSTS<number>: <message>`, as Azure AD writes `error_description`.
    public var description: String { "AADSTS\(code.number): \(message)" }
}

extension DirectoryError.Code {
    public static let invalidRequest = Self(error: "invalid_request", number: 900144, status: 400)
    public static let tenantNotFound = Self(error: "invalid_request", number: 90002, status: 400)
    public static let unsupportedGrantType = Self(error: "unsupported_grant_type", number: 70003, status: 400)
    public static let unknownClient = Self(error: "unauthorized_client", number: 700016, status: 400)
    public static let invalidClientSecret = Self(error: "invalid_client", number: 7000215, status: 401)
    public static let invalidScope = Self(error: "invalid_scope", number: 70011, status: 400)
    public static let invalidResource = Self(error: "invalid_resource", number: 500011, status: 400)
    /// A managed-identity request without `Metadata: true` or from an untrusted caller.
    public static let identityForbidden = Self(error: "invalid_request", number: 50011, status: 400)
    public static let identityNotFound = Self(error: "invalid_request", number: 700016, status: 400)
    public static let redirectMismatch = Self(error: "invalid_request", number: 50011, status: 400)
    public static let unsupportedResponseType = Self(error: "unsupported_response_type", number: 900144, status: 400)
    /// A code unknown, used, expired or another client's, or a PKCE verifier that does not match.
    public static let invalidGrant = Self(error: "invalid_grant", number: 70008, status: 400)
    /// A user's name or password is wrong (the same for both).
    public static let invalidCredentials = Self(error: "invalid_grant", number: 50126, status: 400)
    /// More sign-ins at once than the directory checks.
    public static let temporarilyUnavailable = Self(error: "temporarily_unavailable", number: 90033, status: 503)
    /// A user locked out after repeated wrong passwords.
    public static let accountLocked = Self(error: "invalid_grant", number: 50053, status: 400)
}
