import Crypto
import Foundation
import KuraCrypto
import KuraRegistry
import KuraStorage
import Testing

@Suite struct RegistryAccessTests {
    static func context(anonymousPull: Bool = false, id: String = "r-1") -> RegistryRecord {
        RegistryRecord(id: id, name: "reg", wrappedDataKey: [], keyGeneration: 1, adminUserEnabled: true,
                       anonymousPullEnabled: anonymousPull, createdAt: 0)
    }

    @Test func scopesParseAndCover() throws {
        let scope = try #require(AccessScope(parsing: "repository:team/app:pull,push"))
        #expect(scope.type == "repository" && scope.name == "team/app" && scope.actions == ["pull", "push"])
        #expect(scope.covers(AccessScope(type: "repository", name: "team/app", actions: ["pull"])))
        #expect(!scope.covers(AccessScope(type: "repository", name: "team/app", actions: ["delete"])))
        #expect(!scope.covers(AccessScope(type: "repository", name: "team/other", actions: ["pull"])))
        #expect(AccessScope.catalog.covers(AccessScope(parsing: "registry:catalog:*")!))
        #expect(AccessScope(parsing: "nonsense") == nil)
        #expect(AccessScope(parsing: "repository::pull") == nil)
    }

    @Test func grantsAreEverythingEntitledForTheRequestedRepository() {
        let requested = AccessScope(type: "repository", name: "team/app", actions: ["pull"])
        #expect(RegistryAuthorizer.grant(requested, to: .admin, in: Self.context())?.actions == RegistryAuthorizer.repositoryActions)
        #expect(RegistryAuthorizer.grant(requested, to: .anonymous, in: Self.context()) == nil)
        #expect(RegistryAuthorizer.grant(requested, to: .anonymous, in: Self.context(anonymousPull: true))?.actions == ["pull", "metadata_read"])
        #expect(RegistryAuthorizer.grant(.catalog, to: .anonymous, in: Self.context(anonymousPull: true)) == nil)
        #expect(RegistryAuthorizer.grant(AccessScope(type: "repository", name: "Bad//Name", actions: ["pull"]), to: .admin, in: Self.context()) == nil)
    }

    @Test func tokensVerifyOnlyForTheirRegistryAndUntampered() async throws {
        let tokens = await RegistryTokenService(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)))
        let access = [AccessScope(type: "repository", name: "a", actions: ["pull"])]
        let token = try await tokens.issue(caller: .admin, access: access, registry: Self.context(), service: "reg.cr.localhost")
        let verified = await tokens.verify(token, registry: Self.context())
        #expect(verified?.caller == .admin)
        #expect(verified?.access == access)
        #expect(await tokens.verify(token, registry: Self.context(id: "r-2")) == nil)
        var tampered = Array(token.utf8)
        tampered[tampered.count / 2] = tampered[tampered.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(await tokens.verify(String(decoding: tampered, as: UTF8.self), registry: Self.context()) == nil)
        let otherInstallation = await RegistryTokenService(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)))
        #expect(await otherInstallation.verify(token, registry: Self.context()) == nil)
    }

    @Test func refreshTokensDecodeWithTheStandardAlphabetAndOpenOnlyTheirRegistry() async throws {
        let tokens = await RegistryTokenService(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)))
        for index in 0..<20 {
            let objectID = "object-\(index)-" + UUID().uuidString
            let token = try await tokens.issueRefreshToken(objectID: objectID, tenant: "t", registry: Self.context(), service: "reg")
            let payload = token.split(separator: ".")[1]
            #expect(!payload.contains("-") && !payload.contains("_"))
            #expect(await tokens.verifyRefreshToken(token, registry: Self.context()) == objectID)
            #expect(await tokens.verifyRefreshToken(token, registry: Self.context(id: "r-2")) == nil)
            #expect(await tokens.verify(token, registry: Self.context()) == nil, "a refresh token is no access token")
        }
        let access = try await tokens.issue(caller: .admin, access: [], registry: Self.context(), service: "reg")
        #expect(await tokens.verifyRefreshToken(access, registry: Self.context()) == nil, "an access token is no refresh token")
    }

    @Test func principalsGetWhatTheirRolesGrant() {
        let requested = AccessScope(type: "repository", name: "team/app", actions: ["pull"])
        #expect(RegistryAuthorizer.grant(requested, to: .principal(objectID: "o"), in: Self.context(), roles: []) == nil)
        #expect(RegistryAuthorizer.grant(requested, to: .principal(objectID: "o"), in: Self.context(), roles: [.acrPull])?.actions
                == ["pull", "metadata_read"])
        #expect(RegistryAuthorizer.grant(requested, to: .principal(objectID: "o"), in: Self.context(), roles: [.acrPush, .acrDelete])?.actions
                == RegistryAuthorizer.repositoryActions)
        #expect(RegistryAuthorizer.grant(requested, to: .principal(objectID: "o"), in: Self.context(), roles: [.reader]) == nil)
        #expect(RegistryAuthorizer.grant(.catalog, to: .principal(objectID: "o"), in: Self.context(), roles: [.acrPull]) != nil)
        #expect(RegistryAuthorizer.grant(.catalog, to: .principal(objectID: "o"), in: Self.context(), roles: [.acrDelete]) == nil)
    }

    @Test func adminCredentialsAcceptEitherPasswordAndStaySealed() throws {
        let credentials = RegistryAdminCredentials.generate(username: "reg")
        #expect(credentials.accepts(username: "REG", password: credentials.passwords[1]))
        #expect(!credentials.accepts(username: "reg", password: "guess"))
        #expect(!credentials.accepts(username: "other", password: credentials.passwords[0]))
        let sealer = SealedFile(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)))
        let sealed = try credentials.sealed(registryID: "r-1", with: sealer)
        #expect(!String(decoding: sealed, as: UTF8.self).contains(credentials.passwords[0]))
        #expect(try RegistryAdminCredentials.open(sealed, registryID: "r-1", with: sealer) == credentials)
        #expect(throws: (any Error).self) { try RegistryAdminCredentials.open(sealed, registryID: "r-2", with: sealer) }
    }
}
