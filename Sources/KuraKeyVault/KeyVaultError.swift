// kura — a self-hosted encrypted container registry.
// KeyVaultError: the Key Vault plane's failures, in Key Vault's codes and statuses.

/// A failed Key Vault request: `{"error":{"code","message","innererror":{"code"}}}` with a status.
/// The SDKs pick the exception by status (401, 403, 404, 409, else `HttpResponseError`).
public struct KeyVaultError: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String
    /// `innererror.code`, e.g. `KeyDisabled`, `AccessDenied`.
    public let innerCode: String?

    public init(status: Int, code: String, _ message: String, inner: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.innerCode = inner
    }

    public var description: String { "(\(code)) \(message)" }

    public static func badParameter(_ message: String) -> KeyVaultError { KeyVaultError(status: 400, code: "BadParameter", message) }

    public static func keyNotFound(_ name: String, version: String? = nil, vault: String) -> KeyVaultError {
        KeyVaultError(status: 404, code: "KeyNotFound",
                      "A key with (name/id) \(name)\(version.map { "/\($0)" } ?? "") was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")
    }

    public static func deletedKeyNotFound(_ name: String) -> KeyVaultError {
        KeyVaultError(status: 404, code: "KeyNotFound", "Deleted Key not found: \(name)")
    }

    /// An operation of the Key Vault API this vault does not implement (400, as Key Vault answers
    /// a feature it does not offer in a region).
    public static func notSupported(_ message: String) -> KeyVaultError { KeyVaultError(status: 400, code: "NotSupported", message) }
    public static func conflict(_ message: String) -> KeyVaultError { KeyVaultError(status: 409, code: "Conflict", message) }

    public static func forbidden(_ message: String, inner: String) -> KeyVaultError {
        KeyVaultError(status: 403, code: "Forbidden", message, inner: inner)
    }

    public static let missingToken = KeyVaultError(status: 401, code: "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")

    public static func invalidToken(_ reason: String) -> KeyVaultError {
        KeyVaultError(status: 401, code: "Unauthorized", "AKV10022: Invalid token: \(reason).")
    }

    public static func notFound(_ path: String) -> KeyVaultError {
        KeyVaultError(status: 404, code: "NotFound", "The request URI '\(path)' does not name a Key Vault operation.")
    }

    public static func methodNotAllowed(_ method: String, _ path: String) -> KeyVaultError {
        KeyVaultError(status: 405, code: "MethodNotAllowed", "The requested resource does not support http method '\(method)' on '\(path)'.")
    }
}
