// kura — a self-hosted encrypted container registry.
// KuraClient: the CLI's HTTPS calls — tokens (client credentials, cached) and ARM / Key Vault requests.

import AsyncHTTPClient
import Foundation
public import KuraAPI
import KuraJMESPath
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
        var cache = CLIProfile.read([String: CLIProfile.CachedToken].self, "tokens.json", in: directory) ?? [:]
        if let entry = cache[resource], entry.expiresOn - 300 > now { return entry.accessToken }
        let secrets = CLIProfile.read([String: String].self, "secrets.json", in: directory) ?? [:]
        guard let secret = secrets[profile.appID] else {
            throw CLIError(.local, "No secret is stored for \(profile.appID); run 'kura login' again.")
        }
        let scope = (resource.hasSuffix("/") ? resource : resource + "/") + ".default"
        let form = [("grant_type", "client_credentials"), ("client_id", profile.appID), ("client_secret", secret), ("scope", scope)]
            .map { "\($0)=\(Self.formEscape($1))" }.joined(separator: "&")
        let reply = try await send("POST", "\(profile.server)/\(profile.tenant)/oauth2/v2.0/token", body: Array(form.utf8),
                                   contentType: "application/x-www-form-urlencoded", bearer: nil)
        guard reply.status == 200, let issued = reply.decode(TokenResponse.self) else {
            throw CLIError(.local, reply.decode(OAuthErrorBody.self)?.errorDescription ?? "token request failed (\(reply.status))")
        }
        let token = issued.accessToken
        cache[resource] = CLIProfile.CachedToken(accessToken: token, expiresOn: now + Int64(issued.expiresIn))
        try CLIProfile.write(cache, "tokens.json", in: directory)
        return token
    }

    /// The signed-in principal's object id (the `oid` of its management token), as az's
    /// `get_current_identity_object_id` finds it.
    public func signedInObjectID() async throws -> String {
        let token = try await token(for: managementResource)
        let parts = token.split(separator: ".")
        guard parts.count == 3, let payload = Data(base64URL: String(parts[1])),
              case .string(let oid)? = try? JSONValue(parsing: String(decoding: payload, as: UTF8.self))["oid"]
        else { throw CLIError(.local, "Unable to find the signed-in principal's object id.") }
        return oid
    }

    /// The management audience this server's tokens use.
    public var managementResource: String {
        let host = URLComponents(string: profile.server)?.host ?? "localhost"
        return "https://management.\(host)/"
    }

    // MARK: Requests

    /// An ARM call whose answer has nothing to read (a DELETE, a purge): `path` under the server,
    /// `api-version` added.
    /// - Throws: ``CLIError`` `.service` with ARM's code and message.
    public func arm(_ method: String, _ path: String, apiVersion: String, body: JSONValue? = nil,
                    query: [(String, String)] = []) async throws {
        _ = try await armReply(method, path, apiVersion: apiVersion, body: body, query: query)
    }

    /// An ARM call answered with a `KuraAPI` model.
    public func arm<Model: Decodable>(_ method: String, _ path: String, apiVersion: String, body: JSONValue? = nil,
                                      query: [(String, String)] = [], as type: Model.Type) async throws -> Model {
        try Self.model(type, of: try await armReply(method, path, apiVersion: apiVersion, body: body, query: query))
    }

    func armReply(_ method: String, _ path: String, apiVersion: String, body: JSONValue?, query: [(String, String)]) async throws -> Reply {
        let parameters = ([("api-version", apiVersion)] + query).map { "\($0)=\(Self.formEscape($1))" }.joined(separator: "&")
        return try await callReply(method, "\(profile.server)\(path)?\(parameters)", resource: managementResource, body: body)
    }

    /// A call on an absolute URL answered with a `KuraAPI` model.
    public func call<Model: Decodable>(_ method: String, _ url: String, resource: String, body: JSONValue? = nil,
                                       as type: Model.Type) async throws -> Model {
        try Self.model(type, of: try await callReply(method, url, resource: resource, body: body))
    }

    /// A successful reply.
    /// - Throws: ``CLIError`` `.service` with the service's code and message.
    func callReply(_ method: String, _ url: String, resource: String, body: JSONValue?) async throws -> Reply {
        let bearer = try await token(for: resource)
        let reply = try await send(method, url, body: body.map { $0.serialized() }, contentType: "application/json", bearer: bearer)
        guard (200..<300).contains(reply.status) else { throw Self.serviceError(reply) }
        return reply
    }

    /// The reply's body as `Model`.
    /// - Throws: ``CLIError`` `.local` naming the model when the body does not have its shape.
    static func model<Model: Decodable>(_ type: Model.Type, of reply: Reply) throws -> Model {
        do {
            return try WireJSON.decode(type, from: reply.body)
        } catch {
            throw CLIError(.local, "The server's answer is not a \(Model.self): \(error)")
        }
    }

    /// An Azure error (ARM, Key Vault) as az prints it.
    static func serviceError(_ reply: Reply) -> CLIError {
        let error = reply.decode(AzureErrorBody.self)?.error
        return CLIError(.service(status: reply.status, code: error?.code ?? "HTTP\(reply.status)"),
                        error?.message ?? "The server answered \(reply.status).")
    }

    /// A response: its status and body, read as a wire model (``decode(_:)``) or as JSON for `--query`.
    struct Reply: Sendable {
        let status: Int
        let body: [UInt8]

        /// The body as `Model`, or nil when it is not one.
        func decode<Model: Decodable>(_ type: Model.Type) -> Model? { try? WireJSON.decode(type, from: body) }

    }

    func send(_ method: String, _ url: String, body: [UInt8]?, contentType: String, bearer: String?) async throws -> Reply {
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
        return Reply(status: Int(response.status.code), body: Array(bytes.readableBytesView))
    }

    /// `/subscriptions/{s}/resourceGroups/{group}`, the name one encoded segment (``pathSegment(_:)``).
    func groupPath(_ group: String) -> String {
        "/subscriptions/\(profile.subscription)/resourceGroups/\(Self.pathSegment(group))"
    }

    /// `…/resourceGroups/{group}/providers/{type}/{name}`, both names encoded.
    func resourcePath(group: String, type: String, name: String) -> String {
        "\(groupPath(group))/providers/\(type)/\(Self.pathSegment(name))"
    }

    /// `text` as one path segment: anything but letters, digits and `-._~()` percent-encoded, so
    /// a name cannot reach another path (`a/../b`) or start a query (`a?b`).
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~()")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
