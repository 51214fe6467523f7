// kura — a self-hosted encrypted container registry.
// SigV4Signer: AWS Signature Version 4 for S3 requests, written once (no AWS SDK exists for Swift here).

public import Foundation
import Crypto

/// Credentials of an S3 account: an access key, its secret and, for temporary credentials, a
/// session token.
public struct S3Credentials: Sendable, Equatable {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// One request to sign: what goes on the wire, before the signature's headers are added.
public struct S3Request: Sendable {
    public var method: String
    /// `http` or `https`.
    public var scheme: String
    /// The endpoint's host name or address (no port; an IPv6 address with or without brackets).
    public var host: String
    /// nil, or the port given in the endpoint (a default port is left out of the `host` header).
    public var port: Int?
    /// The object's path, not encoded: `/bucket/key` (path-style) or `/key` (virtual-host style).
    public var rawPath: String
    /// Query parameters, not yet encoded, in any order (a key may repeat).
    public var query: [(name: String, value: String)]
    /// Headers to send and sign (any case; values as sent). `Host`, `Date`, `Authorization` and the
    /// `X-Amz-Date`/`-Content-SHA256`/`-Security-Token` headers are the signer's: given here, they are
    /// ignored (the signer's own are the ones signed and sent).
    public var headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD` (``SigV4Signer/unsignedPayload``).
    public var payloadHash: String

    public init(method: String, scheme: String, host: String, port: Int? = nil, rawPath: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)] = [], payloadHash: String) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.port = port
        self.rawPath = rawPath
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }

    /// The path as sent and signed: `/` first, every byte but `A-Z a-z 0-9 - . _ ~ /` encoded.
    public var path: String { SigV4Signer.encodedPath(rawPath.hasPrefix("/") ? rawPath : "/" + rawPath) }

    /// The `host` header: the host (an IPv6 address in brackets), with the port unless it is the
    /// scheme's default.
    public var hostHeader: String {
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host.lowercased())]" : host.lowercased()
        guard let port, port != (scheme.lowercased() == "https" ? 443 : 80) else { return name }
        return "\(name):\(port)"
    }

    /// The request's own headers that are signed and sent (``headers`` without the signer's).
    public var ownHeaders: [(name: String, value: String)] {
        headers.filter { !SigV4Signer.signerHeaders.contains(SigV4Signer.asciiLowercased($0.name)) }
    }

    /// The query as sent and as signed: each name and value encoded (``SigV4Signer/encoded(_:)``),
    /// sorted by name, then value.
    public var canonicalQuery: String {
        let pairs: [(name: String, value: String)] = query.map { (SigV4Signer.encoded($0.name), SigV4Signer.encoded($0.value)) }
        let sorted = pairs.sorted { left, right in left.name == right.name ? left.value < right.value : left.name < right.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }
}

/// Signs S3 requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`), as S3 checks them: the
/// path signed as sent (S3 does not normalize it), the query and headers in canonical form, the
/// payload's SHA-256 or `UNSIGNED-PAYLOAD`. Checked against botocore's `S3SigV4Auth` on 600
/// requests (`Tests/KuraS3Tests`, cases from `scripts/sigv4-reference`).
public struct SigV4Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let service: String

    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// Hex SHA-256 of no bytes.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The hex SHA-256 of `body`, for ``S3Request/payloadHash``.
    public static func payloadHash(of body: some DataProtocol) -> String { hex(SHA256.hash(data: body)) }

    /// What signing adds: the headers to send besides the request's own.
    public struct Signature: Sendable {
        /// `Authorization`, `X-Amz-Date`, `X-Amz-Content-SHA256` and, with a session token,
        /// `X-Amz-Security-Token`.
        public let headers: [(name: String, value: String)]
        /// For tests and diagnosis: what was signed.
        public let canonicalRequest: String
        public let stringToSign: String
    }

    /// Signs `request` at `date`.
    public func sign(_ request: S3Request, at date: Date) -> Signature {
        let timestamp = Self.timestamp(date)
        let day = String(timestamp.prefix(8))
        var added: [(name: String, value: String)] = [("X-Amz-Date", timestamp), ("X-Amz-Content-SHA256", request.payloadHash)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        // Headers signed: the request's own (but those proxies may change) and the added ones, with
        // `host`; names lower-cased, values trimmed with inner runs of spaces made one, repeats joined by `,`.
        var signed: [String: [String]] = ["host": [request.hostHeader]]
        for (name, value) in request.ownHeaders + added where !Self.unsignedHeaders.contains(Self.asciiLowercased(name)) {
            signed[Self.asciiLowercased(name), default: []].append(Self.folded(value))
        }
        let names = signed.keys.sorted()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            request.method.uppercased(), request.path, request.canonicalQuery,
            names.map { "\($0):\(signed[$0]!.joined(separator: ","))" }.joined(separator: "\n") + "\n",
            signedHeaders, request.payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(headers: [("Authorization", authorization)] + added, canonicalRequest: canonicalRequest, stringToSign: stringToSign)
    }

    /// Headers only the signer writes.
    static let signerHeaders: Set<String> = ["host", "date", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"]

    /// A header value as signed: trimmed, each run of white space one space (white space as
    /// Python's `str.split` knows it, which AWS's signers use: Unicode's, and U+001C–U+001F).
    static func folded(_ value: String) -> String {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value) {
                if !word.isEmpty { words.append(String(word)) }
                word = String.UnicodeScalarView()
            } else {
                word.append(scalar)
            }
        }
        if !word.isEmpty { words.append(String(word)) }
        return words.joined(separator: " ")
    }

    /// `text` with `A`–`Z` lower-cased and nothing else changed (header names are ASCII tokens).
    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// Headers never signed (a proxy may add, drop or change them), as AWS's signers leave them out.
    static let unsignedHeaders: Set<String> = ["authorization", "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
                                               "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
                                               "upgrade", "user-agent", "x-amzn-trace-id"]

    /// An object's path as S3 wants it sent and signed: every byte but `A-Z a-z 0-9 - . _ ~ /`
    /// percent-encoded (upper-case hex), nothing normalized (`a//b`, `..` stay as they are).
    public static func encodedPath(_ path: String) -> String { percentEncoded(path, keeping: "/") }

    /// A query name or value as sent and signed: every byte but `A-Z a-z 0-9 - . _ ~` encoded.
    public static func encoded(_ text: String) -> String { percentEncoded(text, keeping: "") }

    static func percentEncoded(_ text: String, keeping extra: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let kept = Set(extra.utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where kept.contains(byte):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC (ISO 8601's basic format), the second truncated as AWS's
    /// signers do; computed from the Unix time (days to a civil date), no formatter.
    static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.isFinite ? Int64(date.timeIntervalSince1970.rounded(.down)) : 0
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int64, _ width: Int) -> String { String(value).leftPadded(to: width) }
        return padded(year, 4) + padded(month, 2) + padded(day, 2) + "T" + padded(time / 3600, 2) + padded(time % 3600 / 60, 2)
            + padded(time % 60, 2) + "Z"
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
}

extension String {
    /// The string with `0`s before it up to `width` characters.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
