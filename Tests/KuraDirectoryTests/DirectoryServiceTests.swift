import Foundation
import KuraCore
import KuraCrypto
import KuraDirectory
import Testing
import _CryptoExtras
import Crypto

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

/// Directory users: created under Entra ID's name and password rules, signed in by name without
/// case, locked out (with backoff on the directory's clock) after repeated wrong passwords.
@Suite struct DirectoryUsersTests {
    static func withDirectory(_ body: (DirectoryService, ManualClock) async throws -> Void) async throws {
        let authority = try await TokenAuthority(signingKeyPEM: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
                                                 tenantID: "tttttttt-0000-4000-8000-000000000000", loginEndpoint: DirectoryServiceTests.endpoints.main)
        let clock = ManualClock()
        try await body(DirectoryService(store: MemoryDirectoryStore(), authority: authority, endpoints: DirectoryServiceTests.endpoints,
                                        clock: clock, identityPrincipal: { _ in nil }), clock)
    }

    @Test func aUserIsCreatedAndSignsInByNameWithoutCase() async throws {
        try await Self.withDirectory { directory, _ in
            let alice = try await directory.createUser(userPrincipalName: "alice@contoso.com", displayName: "Alice", password: "Sesame-Street-1")
            #expect(alice.kind == .user && alice.userPrincipalName == "alice@contoso.com" && alice.appID == alice.objectID)
            #expect(alice.secretHash?.hasPrefix("scrypt$") == true)
            #expect(try await directory.signIn(userPrincipalName: "ALICE@contoso.com", password: "Sesame-Street-1") == alice)
            #expect(try await directory.user("Alice@Contoso.com") == alice)
            #expect(try await directory.user(alice.objectID) == alice)
            await #expect(throws: StoreError.self) {
                _ = try await directory.createUser(userPrincipalName: "Alice@contoso.com", displayName: "Twin", password: "Sesame-Street-1")
            }
            // A user gets no token by client credentials.
            await #expect(throws: DirectoryError.self) {
                _ = try await directory.clientCredentials(tenant: directory.authority.tenantID, clientID: alice.appID, clientSecret: "Sesame-Street-1",
                                                          resource: "https://management.localhost//.default", version: .v2)
            }
        }
    }

    @Test(arguments: [("alice", "Sesame-Street-1", "userPrincipalName is invalid"), ("alice@localhost", "Sesame-Street-1", "userPrincipalName is invalid"),
                      (".alice@contoso.com", "Sesame-Street-1", "userPrincipalName is invalid"), ("al ice@contoso.com", "Sesame-Street-1", "userPrincipalName is invalid"),
                      ("alice@contoso.com", "short1A", "password complexity"), ("alice@contoso.com", "alllowercase", "password complexity"),
                      ("alice@contoso.com", "lower-and-symbols", "password complexity")])
    func namesAndPasswordsFollowEntraIDsRules(_ name: String, _ password: String, _ expected: String) async throws {
        try await Self.withDirectory { directory, _ in
            let error = await #expect(throws: DirectoryError.self) {
                _ = try await directory.createUser(userPrincipalName: name, displayName: "Alice", password: password)
            }
            #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
        }
    }

    /// Guesses sent together are counted before they are checked: no more than five reach the
    /// password check, whatever the burst.
    @Test func aBurstOfGuessesCannotPassTheLock() async throws {
        try await Self.withDirectory { directory, _ in
            _ = try await directory.createUser(userPrincipalName: "dora@contoso.com", displayName: "Dora", password: "Sesame-Street-1")
            let outcomes = await withTaskGroup(of: DirectoryError.Code?.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        do {
                            _ = try await directory.signIn(userPrincipalName: "dora@contoso.com", password: "guess\(index)")
                            return nil
                        } catch let error as DirectoryError {
                            return error.code
                        } catch {
                            return nil
                        }
                    }
                }
                var outcomes: [DirectoryError.Code?] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.filter { $0 == .invalidCredentials }.count <= 5, "\(outcomes)")
            #expect(outcomes.contains { $0 == .accountLocked })
            #expect(!outcomes.contains { $0 == nil })
        }
    }

    @Test func repeatedWrongPasswordsLockTheNameWithBackoff() async throws {
        try await Self.withDirectory { directory, clock in
            _ = try await directory.createUser(userPrincipalName: "bob@contoso.com", displayName: "Bob", password: "Sesame-Street-1")
            for _ in 0..<5 {
                let error = await #expect(throws: DirectoryError.self) { _ = try await directory.signIn(userPrincipalName: "bob@contoso.com", password: "guess") }
                #expect(error?.code == .invalidCredentials)
            }
            // Locked now, even for the right password; and an unknown name says the same as a wrong password.
            let locked = await #expect(throws: DirectoryError.self) {
                _ = try await directory.signIn(userPrincipalName: "bob@contoso.com", password: "Sesame-Street-1")
            }
            #expect(locked?.code == .accountLocked && locked?.message.contains("Try again in 2 s") == true, "\(String(describing: locked))")
            let unknown = await #expect(throws: DirectoryError.self) { _ = try await directory.signIn(userPrincipalName: "nobody@contoso.com", password: "x") }
            #expect(unknown?.code == .invalidCredentials)
            clock.advance(by: .seconds(2))
            #expect(try await directory.signIn(userPrincipalName: "bob@contoso.com", password: "Sesame-Street-1").userPrincipalName == "bob@contoso.com")
            // The success cleared the count: five more failures before the next lock.
            for _ in 0..<5 { _ = try? await directory.signIn(userPrincipalName: "bob@contoso.com", password: "guess") }
            clock.advance(by: .seconds(2))
            _ = try? await directory.signIn(userPrincipalName: "bob@contoso.com", password: "guess")
            clock.advance(by: .seconds(3))
            let longer = await #expect(throws: DirectoryError.self) {
                _ = try await directory.signIn(userPrincipalName: "bob@contoso.com", password: "Sesame-Street-1")
            }
            #expect(longer?.code == .accountLocked, "the sixth failure locks for 4 s: still locked after 3")
        }
    }
}

/// The code flow with PKCE: a code is redeemed once, by the client and redirect URI it was issued
/// to, with the verifier of its challenge, within ten minutes (on the directory's clock).
@Suite struct AuthorizationCodeGrantTests {
    static let verifier = String(repeating: "v", count: 43)
    static let redirect = "http://localhost:8400"

    static func request(_ directory: DirectoryService, challenge: String = challenge(of: verifier)) throws -> AuthorizationRequest {
        try directory.authorizationRequest(clientID: PublicClients.azureCLI, redirectURI: redirect, responseType: "code",
                                           scope: "openid https://vault.localhost:8443/user_impersonation", state: "s", codeChallenge: challenge,
                                           codeChallengeMethod: "S256")
    }

    /// base64url(SHA-256(verifier)), as a client computes it.
    static func challenge(of verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test func aCodeIsRedeemedOnceForItsClientWithItsVerifier() async throws {
        try await DirectoryUsersTests.withDirectory { directory, clock in
            let user = try await directory.createUser(userPrincipalName: "carol@contoso.com", displayName: "Carol", password: "Sesame-Street-1")
            let code = try await directory.authorize(try Self.request(directory), userPrincipalName: "carol@contoso.com", password: "Sesame-Street-1")
            let issued = try await directory.redeem(code: code, clientID: PublicClients.azureCLI, redirectURI: Self.redirect,
                                                    codeVerifier: Self.verifier, scope: nil)
            let claims = try await directory.authority.verify(issued.accessToken, audiences: [issued.audience])
            #expect(claims.oid == user.objectID && claims.appid == PublicClients.azureCLI && issued.audience == "https://vault.localhost:8443")
            #expect(claims.idtyp == "user" && claims.upn == "carol@contoso.com" && claims.name == "Carol" && claims.scp == "user_impersonation")
            await #expect(throws: DirectoryError.self) {
                _ = try await directory.redeem(code: code, clientID: PublicClients.azureCLI, redirectURI: Self.redirect, codeVerifier: Self.verifier, scope: nil)
            }
            // Another client, another redirect, a wrong verifier, an expired code: each refused (and each code then spent).
            for (client, redirect, verifier, wait) in [(PublicClients.portal, Self.redirect, Self.verifier, 0), (PublicClients.azureCLI, "http://localhost:9", Self.verifier, 0),
                                                       (PublicClients.azureCLI, Self.redirect, String(repeating: "w", count: 43), 0),
                                                       (PublicClients.azureCLI, Self.redirect, Self.verifier, 601)] {
                let fresh = try await directory.authorize(try Self.request(directory), userPrincipalName: "carol@contoso.com", password: "Sesame-Street-1")
                clock.advance(by: .seconds(wait))
                let error = await #expect(throws: DirectoryError.self) {
                    _ = try await directory.redeem(code: fresh, clientID: client, redirectURI: redirect, codeVerifier: verifier, scope: nil)
                }
                #expect(error?.code == .invalidGrant)
            }
        }
    }

    @Test func theRequestNamesAKnownClientARegisteredRedirectAndPKCE() async throws {
        try await DirectoryUsersTests.withDirectory { directory, _ in
            let challenge = Self.challenge(of: Self.verifier)
            for (client, redirect, type, method) in [("unknown", Self.redirect, "code", "S256"), (PublicClients.azureCLI, "https://evil.example/", "code", "S256"),
                                                     (PublicClients.portal, Self.redirect, "code", "S256"), (PublicClients.azureCLI, Self.redirect, "token", "S256"),
                                                     (PublicClients.azureCLI, Self.redirect, "code", "plain")] {
                #expect(throws: DirectoryError.self) {
                    _ = try directory.authorizationRequest(clientID: client, redirectURI: redirect, responseType: type, scope: nil, state: nil,
                                                           codeChallenge: challenge, codeChallengeMethod: method)
                }
            }
            let portal = try directory.authorizationRequest(clientID: PublicClients.portal, redirectURI: "https://localhost:8443/portal/signin",
                                                            responseType: "code", scope: nil, state: nil, codeChallenge: challenge, codeChallengeMethod: "S256")
            #expect(portal.clientID == PublicClients.portal)
        }
    }
}
