import Foundation
import KuraCrypto
import KuraDirectory
import Testing
import _CryptoExtras

@Suite struct DirectoryServiceTests {
    static let endpoints = InstallationEndpoints(mainHost: "localhost", vaultSuffix: "vault.localhost", registrySuffix: "cr.localhost", port: 8443)

    static func withDirectory(_ body: (DirectoryService, PrincipalRecord, String) async throws -> Void) async throws {
        let store = MemoryDirectoryStore()
        let secret = SecretHash.generateSecret()
        let principal = PrincipalRecord(objectID: "0b0b0b0b-0000-4000-8000-000000000001", appID: "a0a0a0a0-0000-4000-8000-000000000001",
                                        displayName: "sp", kind: .servicePrincipal, secretHash: SecretHash.make(secret), createdAt: 0)
        try await store.insertPrincipal(principal)
        let authority = try await TokenAuthority(signingKeyPEM: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
                                                 tenantID: "tttttttt-0000-4000-8000-000000000000", loginEndpoint: endpoints.main)
        try await body(DirectoryService(store: store, authority: authority, endpoints: endpoints,
                                        identityPrincipal: { _ in nil }), principal, secret)
    }

    @Test func endpointsMapResourcesToAudiences() {
        let endpoints = Self.endpoints
        #expect(endpoints.audience(forResource: "https://management.localhost//.default") == "https://management.localhost/")
        #expect(endpoints.audience(forResource: "https://management.localhost") == "https://management.localhost/")
        #expect(endpoints.audience(forResource: "https://vault.localhost:8443/.default") == "https://vault.localhost:8443")
        #expect(endpoints.audience(forResource: "https://containerregistry.azure.net/.default") == "https://containerregistry.azure.net")
        #expect(endpoints.audience(forResource: "https://graph.microsoft.com/.default") == nil)
        #expect(endpoints.vaultDNSSuffix == "vault.localhost:8443")
    }

    @Test func clientCredentialsIssueTokensForEachResource() async throws {
        try await Self.withDirectory { directory, principal, secret in
            for scope in ["https://management.localhost//.default", "https://vault.localhost:8443/.default",
                          "https://containerregistry.azure.net/.default"] {
                let issued = try await directory.clientCredentials(tenant: directory.authority.tenantID, clientID: principal.appID,
                                                                   clientSecret: secret, resource: scope, version: .v2)
                let claims = try await directory.authority.verify(issued.accessToken, audiences: [issued.audience])
                #expect(claims.oid == principal.objectID && claims.appid == principal.appID)
            }
            let v1 = try await directory.clientCredentials(tenant: directory.authority.tenantID, clientID: principal.appID, clientSecret: secret,
                                                           resource: "https://management.localhost/", version: .v1)
            #expect(try await directory.authority.verify(v1.accessToken, audiences: ["https://management.localhost/"]).ver == "1.0")
        }
    }

    @Test func refusalsUseAzureADCodes() async throws {
        try await Self.withDirectory { directory, principal, secret in
            let tenant = directory.authority.tenantID
            let scope = "https://management.localhost//.default"
            func code(_ call: () async throws -> Void) async -> DirectoryError.Code? {
                do { try await call() } catch let error as DirectoryError { return error.code } catch { return nil }
                return nil
            }
            #expect(await code { _ = try await directory.clientCredentials(tenant: tenant, clientID: principal.appID, clientSecret: "wrong", resource: scope, version: .v2) } == .invalidClientSecret)
            #expect(await code { _ = try await directory.clientCredentials(tenant: tenant, clientID: "unknown", clientSecret: secret, resource: scope, version: .v2) } == .unknownClient)
            #expect(await code { _ = try await directory.clientCredentials(tenant: "other", clientID: principal.appID, clientSecret: secret, resource: scope, version: .v2) } == .tenantNotFound)
            #expect(await code { _ = try await directory.clientCredentials(tenant: tenant, clientID: principal.appID, clientSecret: secret, resource: "https://graph.microsoft.com/.default", version: .v2) } == .invalidResource)
            #expect(await code { _ = try await directory.clientCredentials(tenant: tenant, clientID: principal.appID, clientSecret: secret, resource: "https://management.localhost/", version: .v2) } == .invalidScope)
            #expect(await code { _ = try await directory.clientCredentials(tenant: tenant, clientID: nil, clientSecret: secret, resource: scope, version: .v2) } == .invalidRequest)
        }
    }
}
