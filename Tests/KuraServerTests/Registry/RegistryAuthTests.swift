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

@Suite struct RegistryAuthTests {
    @Test func unauthenticatedRequestsGetAChallengeWithScope() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let reply = try await registry.send(.GET, "/v2/team/app/tags/list", auth: .none)
            #expect(reply.status == 401)
            #expect(reply.errorCode == "UNAUTHORIZED")
            #expect(reply.header("WWW-Authenticate")
                    == #"Bearer realm="https://default.cr.localhost:8443/oauth2/token",service="default.cr.localhost",scope="repository:team/app:pull""#)
            let push = try await registry.send(.POST, "/v2/team/app/blobs/uploads/", auth: .none)
            #expect(push.header("WWW-Authenticate")?.hasSuffix(#"scope="repository:team/app:pull,push""#) == true)
            let base = try await registry.send(.GET, "/v2/", auth: .none)
            #expect(base.status == 401)
            #expect(base.header("WWW-Authenticate")?.contains("scope=") == true)
            #expect(base.header("Docker-Distribution-API-Version") == "registry/2.0")
        }
    }

    @Test func wrongBasicCredentialsAreRefused() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            #expect(try await registry.send(.GET, "/v2/", auth: .basic("default", "wrong")).status == 401)
            #expect(try await registry.send(.GET, "/v2/", auth: .basic("someone", registry.adminPassword)).status == 401)
            #expect(try await registry.send(.GET, "/v2/", auth: .admin).status == 200)
        }
    }

    @Test func theTokenEndpointGrantsEveryEntitledActionForTheRepository() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let issued = try await registry.send(.GET, "/oauth2/token?service=default.cr.localhost&scope=repository:team/app:pull")
            #expect(issued.status == 200)
            let token = try #require(issued.json["token"] as? String)
            #expect(issued.json["access_token"] as? String == token)
            #expect(issued.json["expires_in"] as? Int ?? 0 > 0)
            // A token asked for pull also pushes: oras-py reuses its first token.
            let digest = RegistryHarness.digest([1, 2])
            #expect(try await registry.send(.POST, "/v2/team/app/blobs/uploads/?digest=\(digest)", body: [1, 2], auth: .bearer(token)).status == 201)
            #expect(try await registry.send(.GET, "/v2/team/other/tags/list", auth: .bearer(token)).status == 401,
                    "the token is for team/app only")
            #expect(try await registry.send(.GET, "/v2/team/app/tags/list", auth: .bearer(token + "x")).status == 401)

            let posted = try await registry.send(.POST, "/oauth2/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                 body: Array("grant_type=password&service=default.cr.localhost&scope=registry%3Acatalog%3A*&username=default&password=\(registry.adminPassword)".utf8),
                                                 auth: .none)
            let catalogToken = try #require(posted.json["access_token"] as? String)
            #expect(try await registry.send(.GET, "/v2/_catalog", auth: .bearer(catalogToken)).status == 200)
        }
    }

    @Test func anonymousTokensGrantNothingUnlessAnonymousPullIsOn() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let anonymous = try await registry.send(.GET, "/oauth2/token?service=x&scope=repository:team/app:pull", auth: .none)
            let token = try #require(anonymous.json["token"] as? String)
            #expect(try await registry.send(.GET, "/v2/team/app/tags/list", auth: .bearer(token)).status == 401)
            let badPassword = try await registry.send(.GET, "/oauth2/token?service=x&scope=repository:team/app:pull",
                                                      auth: .basic("default", "nope"))
            #expect(badPassword.status == 401)
        }
    }

    @Test func anonymousPullWorksOnlyWhereItIsSwitchedOn() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (_, credentials) = try await registry.server.provisioner.create(name: "public", adminUserEnabled: true,
                                                                                 anonymousPullEnabled: true)
            let host = "public.cr.localhost:8443"
            let admin = RegistryHarness.Auth.basic("public", credentials!.passwords[0])
            let digest = RegistryHarness.digest([4, 2])
            #expect(try await registry.send(.POST, "/v2/open/blobs/uploads/?digest=\(digest)", body: [4, 2], auth: admin, host: host).status == 201)
            #expect(try await registry.send(.GET, "/v2/open/blobs/\(digest)", auth: .none, host: host).body == [4, 2])
            let token = try #require(try await registry.send(.GET, "/oauth2/token?service=x&scope=repository:open:pull,push",
                                                             auth: .none, host: host).json["token"] as? String)
            #expect(try await registry.send(.GET, "/v2/open/blobs/\(digest)", auth: .bearer(token), host: host).status == 200)
            #expect(try await registry.send(.POST, "/v2/open/blobs/uploads/", auth: .bearer(token), host: host).status == 401,
                    "anonymous callers never push")
            #expect(try await registry.send(.DELETE, "/v2/open/blobs/\(digest)", auth: .none, host: host).status == 401)
            #expect(try await registry.send(.GET, "/v2/_catalog", auth: .none, host: host).status == 401)
            // The default registry keeps anonymous pull off.
            #expect(try await registry.send(.GET, "/v2/open/blobs/\(digest)", auth: .none).status == 401)
        }
    }

    @Test func aTokenOfOneRegistryDoesNotOpenAnother() async throws {
        try await RegistryHarness.run { (registry: RegistryHarness) async throws in
            let (other, credentials) = try await registry.server.provisioner.create(name: "second", adminUserEnabled: true)
            let issued = try await registry.send(.GET, "/oauth2/token?service=x&scope=repository:team/app:pull",
                                                 auth: .basic("second", credentials!.passwords[0]), host: "second.cr.localhost:8443")
            let token = try #require(issued.json["token"] as? String)
            #expect(try await registry.send(.GET, "/v2/_catalog", auth: .bearer(token), host: "second.cr.localhost:8443").status == 401)
            #expect(try await registry.send(.GET, "/v2/team/app/tags/list", auth: .bearer(token)).status == 401)
            #expect(try await registry.send(.GET, "/v2/", auth: .admin, host: "nosuch.cr.localhost:8443").errorCode == "NAME_UNKNOWN")
            _ = other
        }
    }
}
