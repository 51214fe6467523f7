@testable import KuraCLI
import KuraAPI
import Testing

/// Key bundles as `az keyvault key` prints them (the seed's sample output has this shape), read
/// from the server's wire form.
@Suite struct KeyOutputTests {
    static let bundle = #"""
        {"key":{"kid":"https://v.vault.localhost:8443/keys/k/1","kty":"RSA","key_ops":["wrapKey","unwrapKey"],"n":"wZVO-_8","e":"AQAB"},
         "attributes":{"enabled":true,"created":1795940897,"updated":1795940897,"recoveryLevel":"Recoverable","recoverableDays":90,"exportable":false}}
        """#

    @Test func aBundleHasEveryJWKFieldInStandardBase64AndISOTimes() throws {
        let shown = KeyOutput.bundle(try WireJSON.decode(KeyBundle.self, from: Array(Self.bundle.utf8)))
        #expect(shown["key"]?["keyOps"] == .array(["wrapKey", "unwrapKey"]) && shown["key"]?["key_ops"] == nil)
        #expect(shown["key"]?["e"] == "AQAB" && shown["key"]?["n"] == "wZVO+/8=", "byte fields in standard base64, as Python's b64encode")
        #expect(shown["key"]?["d"] == .null && shown["key"]?["crv"] == .null, "absent fields are present as null")
        #expect(shown["attributes"]?["created"] == "2026-11-29T08:28:17+00:00" && shown["attributes"]?["expires"] == .null)
        #expect(shown["managed"] == .null && shown["tags"] == .null && shown["deletedDate"] == nil)
    }

    @Test func deletedListItemsCarryTheirNameAndDeletion() throws {
        let text = #"{"value":[{"kid":"https://v.vault.localhost:8443/keys/mykey","attributes":{"enabled":false},"recoveryId":"r","deletedDate":0,"scheduledPurgeDate":86400}],"nextLink":null}"#
        let page = try WireJSON.decode(KeyListPage<DeletedKeyItem>.self, from: Array(text.utf8))
        let first = KeyOutput.deletedItem(try #require(page.value.first))
        #expect(first["name"] == "mykey" && first["attributes"]?["enabled"] == .bool(false))
        #expect(first["deletedDate"] == "1970-01-01T00:00:00+00:00" && first["recoveryId"] == "r")
        #expect(first["scheduledPurgeDate"] == "1970-01-02T00:00:00+00:00")
    }
}
