import KuraAPI
import AsyncHTTPClient
import Foundation
import KuraCore
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVault
import KuraKeyVaultHTTP
import KuraManagement
import KuraManagementHTTP
import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization
import Testing

/// The HTTPS vault client against a real `kura serve` vault: the 401 challenge handshake, the
/// identity's own token from the managed-identity endpoint, wrap/unwrap, a refusal (`revoked`)
/// and a vault that is gone (`unavailable`).
@Suite(.serialized) struct RemoteKeyWrapClientTests {
    @Test func speaksKeyVaultRESTAsTheIdentity() async throws {
        let dataDir = NSTemporaryDirectory() + "kura-remote-vault-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let port = try LiveServer.freePort()
        let server = try LiveServer.start(dataDir: dataDir, port: port)
        let http = try await LiveServer.client(trusting: dataDir + "/tls/ca.pem")
        var remote: RemoteKeyWrapClient?
        do {
            try await server.waitUntilHealthy(client: http)
            let admin = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: dataDir + "/admin-credentials.json"))))
            let adminID = admin["objectId"]!.stringValue!, tenant = admin["tenant"]!.stringValue!
            let subscription = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: dataDir + "/installation.json"))))["subscriptionId"]!.stringValue!
            let armToken = try await LiveServer.managementToken(http, port: port, dataDir: dataDir)
            let base = "https://127.0.0.1:\(port)/subscriptions/\(subscription)/resourceGroups/remote"
            func call(_ method: HTTPMethod, _ url: String, _ body: JSONValue?, bearer: String, headers: [(String, String)] = []) async throws -> JSONValue {
                var request = HTTPClientRequest(url: url)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer " + bearer)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                if let body {
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: body.serialized()))
                }
                let response = try await http.execute(request, timeout: .seconds(30))
                let bytes = try await response.body.collect(upTo: 1 << 20)
                guard (200..<300).contains(Int(response.status.code)) else {
                    throw LiveServerError("\(method) \(url): \(response.status.code) \(String(buffer: bytes))")
                }
                return bytes.readableBytes == 0 ? [:] : try JSONValue(parsing: bytes.readableBytesView)
            }
            _ = try await call(.PUT, base + "?api-version=2024-11-01", ["location": "eastus"], bearer: armToken)
            let identity = try await call(.PUT, base + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/remoteid?api-version=2024-11-30",
                                          ["location": "eastus"], bearer: armToken)
            let principal = identity["properties"]!["principalId"]!.stringValue!
            func policy(_ objectID: String, _ keys: [JSONValue]) -> JSONValue {
                ["tenantId": .string(tenant), "objectId": .string(objectID), "permissions": ["keys": .array(keys)]]
            }
            let vault = base + "/providers/Microsoft.KeyVault/vaults/kvremote1"
            _ = try await call(.PUT, vault + "?api-version=2026-02-01", ["location": "eastus", "properties": [
                "tenantId": .string(tenant), "enablePurgeProtection": true,
                "accessPolicies": [policy(adminID, ["all"]), policy(principal, ["get", "wrapKey", "unwrapKey"])]]], bearer: armToken)
            let vaultToken = try await Self.token(http, port: port, admin: admin, scope: "https://vault.localhost:\(port)/.default")
            let key = try await call(.POST, "https://kvremote1.vault.localhost:\(port)/keys/remotekey/create?api-version=7.6", ["kty": "RSA"],
                                     bearer: vaultToken)
            let kid = key["key"]!["kid"]!.stringValue!
            let secret = try String(contentsOfFile: dataDir + "/identity-endpoint.secret", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(dataDir + "/tls/ca.pem")]
            let client = RemoteKeyWrapClient(tls: tls, allowedHosts: try RemoteVaultHosts(parsing: "*.vault.localhost:\(port)"),
                                             ownAudiences: [], token: { identity, resource in
                // The identity's own token, from the installation's managed-identity endpoint.
                let query = "api-version=2018-02-01&resource=\(resource.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&object_id=\(identity)"
                var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/metadata/identity/oauth2/token?\(query)")
                request.headers.add(name: "Metadata", value: "true")
                request.headers.add(name: "X-IDENTITY-HEADER", value: secret)
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                return try JSONValue(parsing: body.readableBytesView)["access_token"]!.stringValue!
            }, timeout: .seconds(5))
            remote = client

            let versionless = String(kid[..<kid.lastIndex(of: "/")!])
            let described = try await client.currentKey(versionless, as: principal)
            #expect(described.keyID == kid && described.recoveryLevel == "Recoverable" && described.isPurgeProtected)
            let secretBytes = Array("a data key of thirty-two bytes!!".utf8)
            let (used, wrapped) = try await client.wrap(secretBytes, keyID: kid, as: principal)
            #expect(used == kid && wrapped.count == 256)
            #expect(try await client.unwrap(wrapped, keyID: kid, as: principal) == secretBytes)

            _ = try await call(.PUT, vault + "/accessPolicies/remove?api-version=2026-02-01",
                               ["properties": ["accessPolicies": [policy(principal, ["unwrapKey"])]]], bearer: armToken)
            do {
                _ = try await client.unwrap(wrapped, keyID: kid, as: principal)
                Issue.record("a removed permission still unwrapped")
            } catch {
                guard case .revoked(let reason) = error else { Issue.record("expected revoked, got \(error)"); throw error }
                #expect(reason.contains("unwrapKey"))
            }
            _ = try server.stop()
            do {
                _ = try await client.unwrap(wrapped, keyID: kid, as: principal)
                Issue.record("a stopped vault answered")
            } catch {
                guard case .unavailable = error else { Issue.record("expected unavailable, got \(error)"); throw error }
            }
        } catch {
            _ = try? server.stop()
            await remote?.shutdown()
            try? await http.shutdown()
            throw error
        }
        await remote?.shutdown()
        try await http.shutdown()
    }

    /// A key on a host the operator did not allow is refused before any connection and before
    /// any token is minted, in one message whatever the target.
    @Test func refusesHostsNotAllowedBeforeAnyConnection() async throws {
        let minted = Mutex(0)
        let client = RemoteKeyWrapClient(tls: .makeClientConfiguration(), allowedHosts: try RemoteVaultHosts(parsing: "*.vault.azure.net"),
                                         ownAudiences: [], token: { _, _ in minted.withLock { $0 += 1 }; return "token" }, timeout: .seconds(1))
        defer { Task { await client.shutdown() } }
        var reasons: Set<String> = []
        for keyID in ["https://evil.localhost:1/keys/k/v1", "https://127.0.0.1:9/keys/k/v1", "https://kv.vault.azure.net:8443/keys/k/v1",
                      "http://kv.vault.azure.net/keys/k/v1", "https://user@kv.vault.azure.net/keys/k/v1", "https://vault.azure.net/keys/k/v1"] {
            do {
                _ = try await client.unwrap([1, 2, 3], keyID: keyID, as: "identity")
                Issue.record("\(keyID) was contacted")
            } catch {
                guard case .revoked(let reason) = error else { Issue.record("expected revoked for \(keyID), got \(error)"); continue }
                reasons.insert(reason)
            }
        }
        #expect(reasons == [RemoteKeyWrapClient.hostNotAllowed])
        #expect(minted.withLock { $0 } == 0)
    }

    /// A challenge may only name a resource of the vault host's own domain, and never one of this
    /// installation's audiences.
    @Test func challengeResourcesMustBelongToTheVaultsDomain() {
        #expect(RemoteKeyWrapClient.isResource("https://vault.azure.net", inDomainOf: "kv.vault.azure.net"))
        #expect(RemoteKeyWrapClient.isResource("https://vault.azure.net/", inDomainOf: "kv.vault.azure.net"))
        #expect(RemoteKeyWrapClient.isResource("https://kv.vault.azure.net", inDomainOf: "kv.vault.azure.net"))
        #expect(!RemoteKeyWrapClient.isResource("https://management.localhost/", inDomainOf: "evil.localhost"))
        #expect(!RemoteKeyWrapClient.isResource("https://localhost/", inDomainOf: "evil.localhost"), "a single-label domain is no vault domain")
        #expect(!RemoteKeyWrapClient.isResource("https://management.azure.com/", inDomainOf: "kv.vault.azure.net"))
        #expect(!RemoteKeyWrapClient.isResource("https://evilvault.azure.net", inDomainOf: "vault.azure.net"))
        #expect(!RemoteKeyWrapClient.isResource("http://vault.azure.net", inDomainOf: "kv.vault.azure.net"))
        #expect(!RemoteKeyWrapClient.isResource("not a url", inDomainOf: "kv.vault.azure.net"))
    }

    static func token(_ http: HTTPClient, port: Int, admin: JSONValue, scope: String) async throws -> String {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/\(admin["tenant"]!.stringValue!)/oauth2/v2.0/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = "grant_type=client_credentials&client_id=\(admin["appId"]!.stringValue!)&client_secret=\(admin["password"]!.stringValue!)"
            + "&scope=\(scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await http.execute(request, timeout: .seconds(30))
        return try JSONValue(parsing: try await response.body.collect(upTo: 1 << 20).readableBytesView)["access_token"]!.stringValue!
    }
}
