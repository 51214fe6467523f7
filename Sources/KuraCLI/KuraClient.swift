// kura — a self-hosted encrypted container registry.
// KuraClient: the CLI's HTTPS calls — tokens (client credentials, cached) and ARM / Key Vault requests.

import AsyncHTTPClient
import Foundation
public import KuraJMESPath
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization

/// Talks to a kura server the way az does: the same token endpoint, the same ARM and Key Vault
/// REST calls (no private back door). Tokens are cached in `tokens.json` (0600) and refreshed five
/// minutes before they expire.
public final class KuraClient: Sendable {
    public let profile: CLIProfile
    let directory: String
    let http: HTTPClient
    /// Prints request lines (never headers or bodies, so never secrets) to stderr.
    let verbose: Bool
    /// The server's vault DNS suffix, once read (``vaultSuffix()``).
    let knownVaultSuffix = Mutex<String?>(nil)

    /// Runs `body` with a client for the logged-in profile; the connection pool is closed afterwards.
    public static func with<R: Sendable>(profile: CLIProfile, directory: String, verbose: Bool,
                                         _ body: (KuraClient) async throws -> R) async throws -> R {
        let client = try KuraClient(profile: profile, directory: directory, verbose: verbose)
        do {
            let result = try await body(client)
            try? await client.http.shutdown()
            return result
        } catch {
            try? await client.http.shutdown()
            throw error
        }
    }

    init(profile: CLIProfile, directory: String, verbose: Bool) throws {
        self.profile = profile
        self.directory = directory
        self.verbose = verbose
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = profile.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // MARK: Tokens

    /// A token for `resource` (`https://management.localhost/`, `https://vault.localhost:8443`), cached.
    public func token(for resource: String) async throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let cache = CLIProfile.readObject("tokens.json", in: directory)
        if let entry = cache.first(where: { $0.key == resource })?.value, case .string(let token)? = entry["accessToken"],
           case .integer(let expires)? = entry["expiresOn"], expires - 300 > now {
            return token
        }
        let secrets = CLIProfile.readObject("secrets.json", in: directory)
        guard case .string(let secret)? = secrets.first(where: { $0.key == profile.appID })?.value else {
            throw CLIError(.local, "No secret is stored for \(profile.appID); run 'kura login' again.")
        }
        let scope = (resource.hasSuffix("/") ? resource : resource + "/") + ".default"
        let form = [("grant_type", "client_credentials"), ("client_id", profile.appID), ("client_secret", secret), ("scope", scope)]
            .map { "\($0)=\(Self.formEscape($1))" }.joined(separator: "&")
        let (status, body) = try await send("POST", "\(profile.server)/\(profile.tenant)/oauth2/v2.0/token", body: Array(form.utf8),
                                            contentType: "application/x-www-form-urlencoded", bearer: nil)
        guard status == 200, case .string(let token)? = body?["access_token"] else {
            var description = "token request failed (\(status))"
            if case .string(let text)? = body?["error_description"] { description = text }
            throw CLIError(.local, description)
        }
        var lifetime: Int64 = 3600
        if case .integer(let seconds)? = body?["expires_in"] { lifetime = seconds }
        var updated = cache.filter { $0.key != resource }
        updated.append((resource, .object([("accessToken", .string(token)), ("expiresOn", .integer(now + lifetime))])))
        try CLIProfile.writeObject(updated, "tokens.json", in: directory)
        return token
    }

    /// The signed-in principal's object id (the `oid` of its management token), as az's
    /// `get_current_identity_object_id` finds it.
    public func signedInObjectID() async throws -> String {
        let token = try await token(for: managementResource)
        let parts = token.split(separator: ".")
        guard parts.count == 3, let payload = Data(base64URL: String(parts[1])),
              case .string(let oid)? = try? JMESValue(parsing: String(decoding: payload, as: UTF8.self))["oid"]
        else { throw CLIError(.local, "Unable to find the signed-in principal's object id.") }
        return oid
    }

    /// The management audience this server's tokens use.
    public var managementResource: String {
        let host = URLComponents(string: profile.server)?.host ?? "localhost"
        return "https://management.\(host)/"
    }

    // MARK: Requests

    /// An ARM call: `path` under the server, `api-version` added; the JSON answer, or nil for none.
    /// - Throws: ``CLIError`` `.service` with ARM's code and message.
    @discardableResult
    public func arm(_ method: String, _ path: String, apiVersion: String, body: JMESValue? = nil,
                    query: [(String, String)] = []) async throws -> JMESValue? {
        let bearer = try await token(for: managementResource)
        let parameters = ([("api-version", apiVersion)] + query).map { "\($0)=\(Self.formEscape($1))" }.joined(separator: "&")
        let (status, answer) = try await send(method, "\(profile.server)\(path)?\(parameters)", body: body.map { Array($0.serialized().utf8) },
                                              contentType: "application/json", bearer: bearer)
        guard (200..<300).contains(status) else { throw Self.serviceError(status, answer) }
        return answer
    }

    /// A call on an absolute URL (a vault host) with a token for `resource`.
    @discardableResult
    public func call(_ method: String, _ url: String, resource: String, body: JMESValue? = nil) async throws -> JMESValue? {
        let bearer = try await token(for: resource)
        let (status, answer) = try await send(method, url, body: body.map { Array($0.serialized().utf8) }, contentType: "application/json",
                                              bearer: bearer)
        guard (200..<300).contains(status) else { throw Self.serviceError(status, answer) }
        return answer
    }

    static func serviceError(_ status: Int, _ body: JMESValue?) -> CLIError {
        let error = body?["error"]
        var code = "HTTP\(status)", message = "The server answered \(status)."
        if case .string(let found)? = error?["code"] { code = found }
        if case .string(let found)? = error?["message"] { message = found }
        return CLIError(.service(status: status, code: code), message)
    }

    func send(_ method: String, _ url: String, body: [UInt8]?, contentType: String, bearer: String?) async throws -> (Int, JMESValue?) {
        if verbose { FileHandle.standardError.write(Data("DEBUG: \(method) \(url.split(separator: "?").first ?? "")\n".utf8)) }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "kura-cli")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer " + bearer) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(120))
        } catch {
            throw CLIError(.local, "Cannot reach \(profile.server): \(error)")
        }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        if verbose { FileHandle.standardError.write(Data("DEBUG: → \(response.status.code)\n".utf8)) }
        let text = String(buffer: bytes)
        return (Int(response.status.code), text.isEmpty ? nil : try? JMESValue(parsing: text))
    }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
