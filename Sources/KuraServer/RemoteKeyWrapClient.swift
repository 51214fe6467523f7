// kura — a self-hosted encrypted container registry.
// RemoteKeyWrapClient: Key Vault REST over HTTPS, as the registry's identity (vault hosts the operator allows).

import KuraAPI
import AsyncHTTPClient
import Foundation
import KuraCore
import KuraRegistry
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization

/// ``KeyWrapClient`` for a vault reached over HTTPS — a vault of another installation or Azure
/// Key Vault. It follows Key Vault's handshake: the first request to a host goes without a token,
/// the 401 challenge names the token resource (cached per host), and every call then carries the
/// identity's own token (from the managed-identity endpoint's issuer). 401/403/404/400/409 are
/// `revoked`; 5xx, 429 and network failures are `unavailable`.
///
/// What it never does with a token (docs/security.md):
/// - connect to a host that `allowedHosts` does not list — refused before any connection, with
///   one message whatever the target, so it cannot probe hosts or ports;
/// - ask for a token whose resource is outside the vault host's own domain (as the Azure SDKs
///   verify a challenge), or for an audience of this installation (its ARM, Graph, vaults,
///   registries): a remote host never receives a token that works here;
/// - follow a redirect.
final class RemoteKeyWrapClient: KeyWrapClient {
    /// A token for `identity` (object id) for `resource` (the challenge's resource). A refusal
    /// (unknown identity) should throw ``KeyWrapFailure/revoked(_:)``; any other error counts as
    /// the token service being unreachable.
    typealias TokenSource = @Sendable (_ identity: String, _ resource: String) async throws -> String

    let tls: TLSConfiguration
    /// The hosts this client may contact (`keys.remoteVaultHosts`).
    let allowedHosts: RemoteVaultHosts
    /// This installation's token audiences, never requested for a remote host.
    let ownAudiences: Set<String>
    let token: TokenSource
    let timeout: TimeAmount
    /// The token resource each vault host asked for, by `host:port`.
    private let resources = Mutex<[String: String]>([:])
    /// Made on first use (most installations never call a remote vault); shut down by ``shutdown()``.
    private let client = Mutex<HTTPClient?>(nil)
    static let apiVersion = "7.6"

    /// - Parameters:
    ///   - tls: client TLS (trust roots for the vaults' certificates).
    ///   - ownAudiences: this installation's audiences (``InstallationEndpoints/allAudiences``).
    init(tls: TLSConfiguration, allowedHosts: RemoteVaultHosts, ownAudiences: [String], token: @escaping TokenSource,
         timeout: TimeAmount = .seconds(10)) {
        self.tls = tls
        self.allowedHosts = allowedHosts
        self.ownAudiences = Set(ownAudiences.map(Self.normalizedResource))
        self.token = token
        self.timeout = timeout
    }

    var http: HTTPClient {
        client.withLock { existing in
            if let existing { return existing }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            // A redirect would carry the identity's token to a host nobody checked.
            configuration.redirectConfiguration = .disallow
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            existing = made
            return made
        }
    }

    /// Closes the HTTPS client, if one was made.
    func shutdown() async {
        let made = client.withLock { existing -> HTTPClient? in
            defer { existing = nil }
            return existing
        }
        try? await made?.shutdown()
    }

    func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription {
        let body = try await call("GET", keyID.hasSuffix("/") || Self.isVersioned(keyID) ? keyID : keyID + "/", body: nil, as: identity)
        guard let kid = body["key"]?["kid"]?.stringValue else { throw .unavailable("the vault's key answer has no kid") }
        guard body["key"]?["kty"]?.stringValue?.hasPrefix("RSA") == true else {
            throw .revoked("the key \(kid) is not an RSA key; a registry's data key needs RSA-OAEP-256")
        }
        guard body["attributes"]?["enabled"]?.boolValue != false else { throw .revoked("the key \(kid) is disabled") }
        return VaultKeyDescription(keyID: kid, recoveryLevel: body["attributes"]?["recoveryLevel"]?.stringValue)
    }

    func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8]) {
        let body = try await call("POST", keyID + "/wrapkey", body: ["alg": "RSA-OAEP-256", "value": .string(Data(bytes).base64URLEncodedString())],
                                  as: identity)
        guard let kid = body["kid"]?.stringValue, let text = body["value"]?.stringValue, let wrapped = Data(base64URLEncoded: text) else {
            throw .unavailable("the vault's wrapKey answer is malformed")
        }
        return (kid, Array(wrapped))
    }

    func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8] {
        let body = try await call("POST", keyID + "/unwrapkey", body: ["alg": "RSA-OAEP-256", "value": .string(Data(wrapped).base64URLEncodedString())],
                                  as: identity)
        guard let text = body["value"]?.stringValue, let plain = Data(base64URLEncoded: text) else {
            throw .unavailable("the vault's unwrapKey answer is malformed")
        }
        return Array(plain)
    }

    /// `/keys/{name}/{version}` (three path segments) names one version.
    static func isVersioned(_ keyID: String) -> Bool {
        (URLComponents(string: keyID)?.path.split(separator: "/").count ?? 0) == 3
    }

    /// One authenticated call; discovers the host's token resource first if needed.
    func call(_ method: String, _ url: String, body: JSONValue?, as identity: String) async throws(KeyWrapFailure) -> JSONValue {
        let (host, port) = try allowedAuthority(of: url)
        let authority = host + ":" + String(port)
        var resource = resources.withLock { $0[authority] }
        if resource == nil {
            let (status, headers, _) = try await send(method, url, body: nil, bearer: nil)
            guard status == 401, let challenge = headers.first(name: "WWW-Authenticate"), let found = Self.resource(in: challenge) else {
                throw .unavailable("the vault at \(authority) did not answer with a Bearer challenge (status \(status))")
            }
            guard Self.isResource(found, inDomainOf: host) else {
                throw .revoked("the vault at \(authority) asked for a token for '\(found.prefix(200))', which is not a resource of its own domain; no token was sent")
            }
            guard !ownAudiences.contains(Self.normalizedResource(found)) else {
                throw .revoked("the vault at \(authority) asked for a token for '\(found.prefix(200))', an audience of this installation; no token was sent")
            }
            resources.withLock { $0[authority] = found }
            resource = found
        }
        let bearer: String
        do {
            bearer = try await token(identity, resource!)
        } catch let failure as KeyWrapFailure {
            throw failure
        } catch {
            throw .unavailable("no token for the identity \(identity) and \(resource!): \(error)")
        }
        let (status, _, reply) = try await send(method, url, body: body, bearer: bearer)
        let document = try? JSONValue(parsing: reply)
        switch status {
        case 200: return document ?? [:]
        case 400, 401, 403, 404, 409:
            throw .revoked(document?["error"]?["message"]?.stringValue ?? "the vault answered \(status)")
        default:
            throw .unavailable("the vault answered \(status)" + (document?["error"]?["message"]?.stringValue.map { ": \($0)" } ?? ""))
        }
    }

    func send(_ method: String, _ url: String, body: JSONValue?, bearer: String?) async throws(KeyWrapFailure) -> (Int, HTTPHeaders, [UInt8]) {
        var request = HTTPClientRequest(url: url + (url.contains("?") ? "&" : "?") + "api-version=\(Self.apiVersion)")
        request.method = .init(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let bearer {
            request.headers.add(name: "Authorization", value: "Bearer " + bearer)
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body.serialized()))
            }
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), response.headers, Array(bytes.readableBytesView))
        } catch {
            throw .unavailable("the vault could not be reached: \(error)")
        }
    }

    /// The refusal for a key whose host is not allowed: the same words whatever the host, port or
    /// the state of anything listening there (nothing was contacted).
    static let hostNotAllowed = "the key's vault is neither a vault of this installation nor on a host listed in keys.remoteVaultHosts; kura does not contact it"

    /// The lowercase host and port of an https `url` the operator allows.
    /// - Throws: ``KeyWrapFailure/revoked(_:)`` with ``hostNotAllowed`` otherwise — before any connection.
    func allowedAuthority(of url: String) throws(KeyWrapFailure) -> (host: String, port: Int) {
        guard let authority = allowedHosts.allowedAuthority(of: url) else { throw .revoked(Self.hostNotAllowed) }
        return authority
    }

    /// Whether a challenge's token `resource` belongs to `host`'s domain: its host is `host` or a
    /// parent domain of it (`https://vault.azure.net` for `x.vault.azure.net`), as the Azure SDKs
    /// verify it (`verify_challenge_resource`).
    static func isResource(_ resource: String, inDomainOf host: String) -> Bool {
        guard let components = URLComponents(string: resource), components.scheme?.lowercased() == "https",
              let domain = components.host?.lowercased(), domain.contains(".") else { return false }
        return host == domain || host.hasSuffix("." + domain)
    }

    /// A resource compared without case or trailing slash.
    static func normalizedResource(_ resource: String) -> String {
        var text = resource.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// The token resource of a challenge: `resource="…"`, or `scope="…/.default"` without the suffix.
    static func resource(in challenge: String) -> String? {
        for part in challenge.dropFirst("Bearer ".count).split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if pair[0] == "resource" { return value }
            if pair[0] == "scope" { return value.hasSuffix("/.default") ? String(value.dropLast("/.default".count)) : value }
        }
        return nil
    }
}

/// Sends each key id to the right client: vaults of this installation in process, any other
/// vault over HTTPS.
struct KeyWrapRouter: KeyWrapClient {
    let local: any KeyWrapClient
    let remote: any KeyWrapClient
    let vaultDNSSuffix: String

    func client(for keyID: String) -> any KeyWrapClient {
        guard let host = URLComponents(string: keyID)?.host?.lowercased() else { return remote }
        let port = URLComponents(string: keyID)?.port.map { ":\($0)" } ?? ""
        return (host + port).hasSuffix("." + vaultDNSSuffix.lowercased()) ? local : remote
    }

    func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription {
        try await client(for: keyID).currentKey(keyID, as: identity)
    }

    func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8]) {
        try await client(for: keyID).wrap(bytes, keyID: keyID, as: identity)
    }

    func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8] {
        try await client(for: keyID).unwrap(wrapped, keyID: keyID, as: identity)
    }
}
