// kura — a self-hosted encrypted container registry.
// RegistryError: the registry plane's errors, one table of OCI codes.

/// An error of the registry plane. The code carries the OCI error code and HTTP status, declared
/// once in the table below (as distribution's `errcode` registry does); the server renders it in
/// OCI's `{"errors":[…]}` envelope in one place.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        /// The spec's code, e.g. `BLOB_UNKNOWN`.
        public let name: String
        /// HTTP status to answer with.
        public let status: Int
    }

    public let code: Code
    public let message: String
    /// Extra structured detail (e.g. the scope a 401 needs).
    public let detail: [String: String]?

    public init(_ code: Code, _ message: String, detail: [String: String]? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { "\(code.name): \(message)" }
}

extension RegistryError.Code {
    public static let blobUnknown = Self(name: "BLOB_UNKNOWN", status: 404)
    public static let blobUploadInvalid = Self(name: "BLOB_UPLOAD_INVALID", status: 400)
    public static let blobUploadUnknown = Self(name: "BLOB_UPLOAD_UNKNOWN", status: 404)
    public static let digestInvalid = Self(name: "DIGEST_INVALID", status: 400)
    public static let manifestBlobUnknown = Self(name: "MANIFEST_BLOB_UNKNOWN", status: 400)
    public static let manifestInvalid = Self(name: "MANIFEST_INVALID", status: 400)
    public static let manifestUnknown = Self(name: "MANIFEST_UNKNOWN", status: 404)
    public static let nameInvalid = Self(name: "NAME_INVALID", status: 400)
    public static let nameUnknown = Self(name: "NAME_UNKNOWN", status: 404)
    public static let sizeInvalid = Self(name: "SIZE_INVALID", status: 400)
    public static let unauthorized = Self(name: "UNAUTHORIZED", status: 401)
    public static let denied = Self(name: "DENIED", status: 403)
    /// A manifest media type kura does not store.
    public static let unsupported = Self(name: "UNSUPPORTED", status: 415)
    /// A method the endpoint does not offer.
    public static let methodNotAllowed = Self(name: "UNSUPPORTED", status: 405)
    /// A token request kura cannot serve (OAuth2 `unsupported_grant_type`, in OCI's envelope).
    public static let grantUnsupported = Self(name: "UNSUPPORTED", status: 400)
    public static let tooManyRequests = Self(name: "TOOMANYREQUESTS", status: 429)
    /// A `Range`/`Content-Range` the blob or upload cannot satisfy.
    public static let rangeInvalid = Self(name: "RANGE_INVALID", status: 416)
    /// The registry cannot serve right now (e.g. its key vault is unreachable past the grace period).
    public static let unavailable = Self(name: "UNAVAILABLE", status: 503)
    /// The manifest is too large to accept.
    public static let manifestTooLarge = Self(name: "MANIFEST_INVALID", status: 413)
    /// More `tag` query parameters on one manifest push than kura applies at once (the spec's
    /// optional `414 Request-URI Too Long`).
    public static let tooManyTags = Self(name: "MANIFEST_INVALID", status: 414)
    /// Invalid pagination or query parameters.
    public static let paginationInvalid = Self(name: "PAGINATION_NUMBER_INVALID", status: 400)
}
