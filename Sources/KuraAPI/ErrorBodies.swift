// kura — a self-hosted encrypted container registry.
// ErrorBodies: each plane's error envelope, as the server writes it and the CLI reads it.

/// Azure's envelope (ARM, Key Vault, the main host): `{"error":{"code","message"}}`.
public struct AzureErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        /// Key Vault's inner code (`{"innererror":{"code"}}`), when there is one.
        public var innererror: InnerError?

        public init(code: String, message: String, innerCode: String? = nil) {
            self.code = code
            self.message = message
            self.innererror = innerCode.map(InnerError.init(code:))
        }
    }

    public struct InnerError: Codable, Sendable, Equatable {
        public var code: String
        public init(code: String) { self.code = code }
    }

    public var error: Detail

    public init(code: String, message: String, innerCode: String? = nil) {
        error = Detail(code: code, message: message, innerCode: innerCode)
    }
}

/// The OCI Distribution envelope: `{"errors":[{"code","message","detail"}]}`.
public struct OCIErrorBody: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// One of the spec's codes: `NAME_UNKNOWN`, `BLOB_UNKNOWN`, `DENIED`, …
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }

        enum CodingKeys: String, CodingKey { case code, message, detail }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try container.decode(String.self, forKey: .code)
            message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        }

        /// `detail` is always written, as `null` (what distribution writes when it has none).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
            try container.encodeNil(forKey: .detail)
        }
    }

    public var errors: [Entry]

    public init(code: String, message: String) { errors = [Entry(code: code, message: message)] }
}

/// Azure AD's OAuth2 error: `{"error","error_description","error_codes",…}`.
public struct OAuthErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public var errorDescription: String
    public var errorCodes: [Int]
    /// ISO 8601.
    public var timestamp: String
    public var traceID: String
    public var correlationID: String

    public init(error: String, errorDescription: String, errorCodes: [Int], timestamp: String, traceID: String, correlationID: String) {
        self.error = error
        self.errorDescription = errorDescription
        self.errorCodes = errorCodes
        self.timestamp = timestamp
        self.traceID = traceID
        self.correlationID = correlationID
    }

    enum CodingKeys: String, CodingKey {
        case error, errorDescription = "error_description", errorCodes = "error_codes", timestamp, traceID = "trace_id",
             correlationID = "correlation_id"
    }
}
