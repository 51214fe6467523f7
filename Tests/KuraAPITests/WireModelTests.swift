import Foundation
@testable import KuraAPI
import Testing

/// The wire models write exactly the shapes clients read, and read what the server (or Azure) writes.
@Suite struct WireModelTests {
    static func text(_ value: some Encodable) -> String { String(decoding: WireJSON.encode(value), as: UTF8.self) }

    @Test func errorEnvelopesAreEachPlanesShape() throws {
        #expect(Self.text(AzureErrorBody(code: "VaultNotFound", message: "no vault https://kv1/")) ==
                #"{"error":{"code":"VaultNotFound","message":"no vault https://kv1/"}}"#)
        #expect(Self.text(AzureErrorBody(code: "Forbidden", message: "m", innerCode: "KeyDisabled")) ==
                #"{"error":{"code":"Forbidden","innererror":{"code":"KeyDisabled"},"message":"m"}}"#)
        #expect(Self.text(OCIErrorBody(code: "BLOB_UNKNOWN", message: "m")) == #"{"errors":[{"code":"BLOB_UNKNOWN","detail":null,"message":"m"}]}"#)
        // A registry's error with a detail object (distribution writes some) still reads.
        let read = try WireJSON.decode(OCIErrorBody.self, from: Array(#"{"errors":[{"code":"DENIED","message":"no","detail":{"a":1}}]}"#.utf8))
        #expect(read.errors.first?.code == "DENIED" && read.errors.first?.message == "no")
    }

    @Test func tokenResponsesCarryTheFieldsClientsRead() throws {
        let registry = Self.text(RegistryTokenResponse.issued("t0k", expiresIn: 1200, at: "2026-12-04T00:00:00Z"))
        #expect(registry == #"{"access_token":"t0k","expires_in":1200,"issued_at":"2026-12-04T00:00:00Z","token":"t0k"}"#)
        // Docker's spec allows either name alone.
        #expect(try WireJSON.decode(RegistryTokenResponse.self, from: Array(#"{"token":"only"}"#.utf8)).accessToken == "only")
        #expect(try WireJSON.decode(RegistryTokenResponse.self, from: Array(#"{"access_token":"a","token":"b"}"#.utf8)).accessToken == "a")
        let aad = TokenResponse(accessToken: "x", expiresIn: 3599)
        #expect(Self.text(aad) == #"{"access_token":"x","expires_in":3599,"ext_expires_in":3599,"token_type":"Bearer"}"#)
        #expect(try WireJSON.decode(TokenResponse.self, from: WireJSON.encode(aad)) == aad)
        #expect(Self.text(RegistryRefreshTokenResponse(refreshToken: "r")) == #"{"refresh_token":"r"}"#)
    }

    @Test func theDataDirectoryFilesRoundTrip() throws {
        let admin = AdminCredentials.of(appId: "a", objectId: "o", password: "p", tenant: "t", displayName: "kura-admin")
        #expect(try WireJSON.decode(AdminCredentials.self, from: WireJSON.encode(admin)) == admin)
        #expect(Self.text(ServingFile.of(url: "https://localhost:8443", pid: 42)) == #"{"pid":42,"url":"https://localhost:8443"}"#)
    }

    @Test func keyVaultAnswersHaveKeyVaultsMembers() throws {
        let key = JsonWebKey.rsa(n: "wZVO", e: "AQAB", kid: "https://v.vault.localhost:8443/keys/k/1", keyOps: ["wrapKey"])
        let attributes = KeyAttributes(enabled: true, created: 1, updated: 2, exportable: false).recoverable("Recoverable+Purgeable", days: 90)
        let bundle = KeyBundle.of(key, attributes: attributes, tags: [:])
        #expect(Self.text(bundle) == #"{"attributes":{"created":1,"enabled":true,"exportable":false,"recoverableDays":90,"recoveryLevel":"Recoverable+Purgeable","updated":2},"key":{"e":"AQAB","key_ops":["wrapKey"],"kid":"https://v.vault.localhost:8443/keys/k/1","kty":"RSA","n":"wZVO"}}"#,
                "empty tags and absent JWK members are left out")
        let deleted = DeletedKeyBundle(bundle, recoveryId: "https://v.vault.localhost:8443/deletedkeys/k", deletedDate: 10, scheduledPurgeDate: 20)
        let flat = JSONValue(encoding: deleted)
        #expect(flat["recoveryId"] == "https://v.vault.localhost:8443/deletedkeys/k" && flat["key"]?["kty"] == "RSA" && flat["entry"] == nil,
                "a deleted bundle is the bundle's members and the deletion's, in one object")
        #expect(try flat.decoded(as: DeletedKeyBundle.self) == deleted)
        #expect(Self.text(KeyListPage<KeyItem>(value: [])) == #"{"nextLink":null,"value":[]}"#, "the last page says nextLink null")
        #expect(try WireJSON.decode(KeyListPage<KeyItem>.self, from: Array(#"{"value":[]}"#.utf8)).nextLink == nil)
        #expect(Self.text(KeyVerifyResult(value: true)) == #"{"value":true}"#)
        let policy = KeyRotationPolicy.notifyBeforeExpiry(id: "p", created: 1, updated: 2)
        #expect(Self.text(policy) == #"{"attributes":{"created":1,"expiryTime":null,"updated":2},"id":"p","lifetimeActions":[{"action":{"type":"Notify"},"trigger":{"timeBeforeExpiry":"P30D"}}]}"#)
    }

    @Test func registryMetadataHasACRsMembers() throws {
        let plain = ManifestAttributes.of(digest: "sha256:ab", imageSize: 10, pushedTime: "t", mediaType: "m", tags: [])
        #expect(Self.text(plain) == #"{"changeableAttributes":{"deleteEnabled":true,"listEnabled":true,"readEnabled":true,"writeEnabled":true},"createdTime":"t","digest":"sha256:ab","imageSize":10,"lastUpdateTime":"t","mediaType":"m","tags":[]}"#,
                "no platform, no config type: those members are left out; tags always written")
        let image = ManifestAttributes.of(digest: "sha256:ab", imageSize: 10, pushedTime: "t", mediaType: "m", tags: ["v1"],
                                          platform: (os: "linux", architecture: "amd64"))
        #expect(JSONValue(encoding: image)["os"] == "linux" && JSONValue(encoding: image)["architecture"] == "amd64")
        let tag = TagDetail.of(registry: "r", imageName: "i", tag: .of(name: "v1", digest: "sha256:ab", movedTime: "t"))
        #expect(try WireJSON.decode(TagDetail.self, from: WireJSON.encode(tag)) == tag && JSONValue(encoding: tag)["tag"]?["signed"] == false)
        #expect(Self.text(RepositoryCatalog(repositories: ["a"])) == #"{"repositories":["a"]}"#)
    }
}
