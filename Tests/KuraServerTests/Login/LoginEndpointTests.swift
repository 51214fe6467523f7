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
import KuraStorage
import NIOHTTP1
import Testing

/// The login plane's routes on the main host, in process.
@Suite struct LoginEndpointTests {
    static let main = "localhost:8443"

    /// The admin service principal's members (the admin user, an object, left out).
    static func admin(_ registry: RegistryHarness) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry.dataDir + "/admin-credentials.json")))
        return (object as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    }

    static func tokenForm(_ pairs: [(String, String)]) -> [UInt8] {
        Array(pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&").utf8)
    }

    @Test func discoveryDocumentsNameTheTenantsEndpoints() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let tenant = try Self.admin(registry)["tenant"]!
            let v2 = try await registry.send(.GET, "/\(tenant)/v2.0/.well-known/openid-configuration", auth: .none, host: Self.main)
            #expect(v2.status == 200)
            #expect(v2.json["token_endpoint"] as? String == "https://localhost:8443/\(tenant)/oauth2/v2.0/token")
            #expect(v2.json["issuer"] as? String == "https://localhost:8443/\(tenant)/v2.0")
            let v1 = try await registry.send(.GET, "/\(tenant)/.well-known/openid-configuration", auth: .none, host: Self.main)
            #expect(v1.json["token_endpoint"] as? String == "https://localhost:8443/\(tenant)/oauth2/token")
            let unknown = try await registry.send(.GET, "/nobody/v2.0/.well-known/openid-configuration", auth: .none, host: Self.main)
            #expect(unknown.status == 400)
            #expect(unknown.json["error"] as? String == "invalid_request")
            let keys = try await registry.send(.GET, "/\(tenant)/discovery/v2.0/keys", auth: .none, host: Self.main)
            #expect((keys.json["keys"] as? [[String: Any]])?.first?["kty"] as? String == "RSA")

            let metadata = try await registry.send(.GET, "//metadata/endpoints?api-version=2022-09-01", auth: .none, host: Self.main)
            #expect(metadata.status == 200, "az sends a double slash when the ARM endpoint ends in '/'")
            #expect((metadata.json["suffixes"] as? [String: String])?["keyVaultDns"] == "vault.localhost:8443")
            #expect((metadata.json["suffixes"] as? [String: String])?["acrLoginServer"] == "cr.localhost:8443")
            #expect(((metadata.json["authentication"] as? [String: Any])?["audiences"] as? [String])?.first == "https://management.localhost/")
        }
    }

    @Test func tokenEndpointsAnswerTokensOrAzureADErrors() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let admin = try Self.admin(registry)
            let tenant = admin["tenant"]!
            let v2 = try await registry.send(.POST, "/\(tenant)/oauth2/v2.0/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                             body: Self.tokenForm([("grant_type", "client_credentials"), ("client_id", admin["appId"]!),
                                                                  ("client_secret", admin["password"]!), ("client_info", "1"),
                                                                  ("claims", #"{"access_token":{"xms_cc":{"values":["CP1"]}}}"#),
                                                                  ("scope", "https://management.localhost//.default")]),
                                             auth: .none, host: Self.main)
            #expect(v2.status == 200)
            let token = try #require(v2.json["access_token"] as? String)
            #expect(v2.json["token_type"] as? String == "Bearer")
            let subscriptions = try await registry.send(.GET, "/subscriptions?api-version=2022-12-01", auth: .bearer(token), host: Self.main)
            #expect(subscriptions.status == 200)
            #expect(try await registry.send(.GET, "/tenants", auth: .bearer(token), host: Self.main).status == 200)
            #expect(try await registry.send(.GET, "/subscriptions", auth: .none, host: Self.main).status == 401)

            let v1 = try await registry.send(.POST, "/\(tenant)/oauth2/token", body: Self.tokenForm([
                ("grant_type", "client_credentials"), ("client_id", admin["appId"]!), ("client_secret", admin["password"]!),
                ("resource", "https://vault.localhost:8443")]), auth: .none, host: Self.main)
            #expect(v1.status == 200)
            #expect(v1.json["resource"] as? String == "https://vault.localhost:8443")

            let wrong = try await registry.send(.POST, "/\(tenant)/oauth2/v2.0/token", body: Self.tokenForm([
                ("grant_type", "client_credentials"), ("client_id", admin["appId"]!), ("client_secret", "nope"),
                ("scope", "https://management.localhost//.default")]), auth: .none, host: Self.main)
            #expect(wrong.status == 401)
            #expect(wrong.json["error"] as? String == "invalid_client")
            #expect(wrong.json["error_codes"] as? [Int] == [7000215])
            let grant = try await registry.send(.POST, "/\(tenant)/oauth2/v2.0/token", body: Self.tokenForm([("grant_type", "password")]),
                                                auth: .none, host: Self.main)
            #expect(grant.json["error"] as? String == "unsupported_grant_type")
        }
    }

    @Test func theManagedIdentityEndpointNeedsItsHeadersAndAKnownIdentity() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let identity = PrincipalRecord(objectID: "00000000-0000-4000-8000-00000000aaaa", appID: "00000000-0000-4000-8000-00000000bbbb",
                                           displayName: "workload", kind: .managedIdentity, secretHash: nil, createdAt: 0)
            try await registry.server.metadata.insertPrincipal(identity)
            let secret = try String(contentsOfFile: registry.dataDir + "/identity-endpoint.secret", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let path = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.localhost%2F&client_id=\(identity.appID)"
            let ok = try await registry.send(.GET, path, headers: [("Metadata", "true"), ("X-Kura-Identity-Secret", secret)],
                                             auth: .none, host: Self.main)
            #expect(ok.status == 200)
            #expect(ok.json["client_id"] as? String == identity.appID)
            #expect(ok.json["resource"] as? String == "https://management.localhost/")
            let appService = try await registry.send(.GET, path, headers: [("X-IDENTITY-HEADER", secret)], auth: .none, host: Self.main)
            #expect(appService.status == 200)

            #expect(try await registry.send(.GET, path, auth: .none, host: Self.main).status == 400, "Metadata: true is required")
            let wrongSecret = try await registry.send(.GET, path, headers: [("Metadata", "true"), ("X-Kura-Identity-Secret", "guess")],
                                                      auth: .none, host: Self.main)
            #expect(wrongSecret.status == 400)
            let unknown = try await registry.send(.GET, path.replacingOccurrences(of: identity.appID, with: "ffffffff-0000-4000-8000-000000000000"),
                                                  headers: [("Metadata", "true"), ("X-Kura-Identity-Secret", secret)], auth: .none, host: Self.main)
            #expect(unknown.status == 400)
            #expect(unknown.json["error"] as? String == "invalid_request")
        }
    }

    @Test func onlyAnOwnerCreatesServicePrincipals() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let admin = try Self.admin(registry)
            func token(_ appID: String, _ secret: String) async throws -> String {
                let reply = try await registry.send(.POST, "/\(admin["tenant"]!)/oauth2/v2.0/token", body: Self.tokenForm([
                    ("grant_type", "client_credentials"), ("client_id", appID), ("client_secret", secret),
                    ("scope", "https://management.localhost//.default")]), auth: .none, host: Self.main)
                return try #require(reply.json["access_token"] as? String)
            }
            let ownerToken = try await token(admin["appId"]!, admin["password"]!)
            let created = try await registry.send(.POST, "/directory/v1/servicePrincipals", headers: [("Content-Type", "application/json")],
                                                  body: Array(#"{"displayName":"ci"}"#.utf8), auth: .bearer(ownerToken), host: Self.main)
            #expect(created.status == 201)
            let appID = try #require(created.json["appId"] as? String)
            let password = try #require(created.json["password"] as? String)
            let listed = try await registry.send(.GET, "/directory/v1/servicePrincipals", auth: .bearer(ownerToken), host: Self.main)
            #expect(((listed.json["value"] as? [[String: Any]]) ?? []).contains { $0["appId"] as? String == appID })
            #expect(!listed.text.contains(password), "secrets are shown once, never listed")

            let newcomer = try await token(appID, password)
            let refused = try await registry.send(.POST, "/directory/v1/servicePrincipals", body: Array(#"{"displayName":"x"}"#.utf8),
                                                  auth: .bearer(newcomer), host: Self.main)
            #expect(refused.status == 403)
        }
    }
}
