import KuraKeyVault
import Testing

@Suite struct KeyVaultRouteTests {
    @Test func parsesEveryOperationTheSDKsSend() throws {
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/K1/create") == .create(name: "K1"))
        #expect(try KeyVaultRoute(method: "GET", path: "/keys/k1/") == .get(name: "k1", version: nil))
        #expect(try KeyVaultRoute(method: "GET", path: "/keys/k1/abc") == .get(name: "k1", version: "abc"))
        #expect(try KeyVaultRoute(method: "GET", path: "/keys") == .list)
        #expect(try KeyVaultRoute(method: "GET", path: "/keys/k1/versions") == .listVersions(name: "k1"))
        #expect(try KeyVaultRoute(method: "PATCH", path: "/keys/k1/") == .update(name: "k1", version: nil))
        #expect(try KeyVaultRoute(method: "DELETE", path: "/keys/k1") == .delete(name: "k1"))
        #expect(try KeyVaultRoute(method: "PUT", path: "/keys/k1") == .importKey(name: "k1"))
        #expect(try KeyVaultRoute(method: "GET", path: "/deletedkeys") == .listDeleted)
        #expect(try KeyVaultRoute(method: "GET", path: "/deletedkeys/k1") == .getDeleted(name: "k1"))
        #expect(try KeyVaultRoute(method: "POST", path: "/deletedkeys/k1/recover") == .recover(name: "k1"))
        #expect(try KeyVaultRoute(method: "DELETE", path: "/deletedkeys/k1") == .purge(name: "k1"))
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k1/backup") == .backup(name: "k1"))
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/restore") == .restore)
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k1/rotate") == .rotate(name: "k1"))
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k1/v1/unwrapkey") == .crypto(name: "k1", version: "v1", operation: .unwrapkey))
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k1//wrapkey") == .crypto(name: "k1", version: nil, operation: .wrapkey))
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k1/SIGN") == .crypto(name: "k1", version: nil, operation: .sign))
    }

    @Test func namesPermissionsAndDataActionsAsAzureDoes() throws {
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k/v/unwrapkey").permission == "unwrapKey")
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k/v/wrapkey").dataAction == "Microsoft.KeyVault/vaults/keys/wrap/action")
        #expect(try KeyVaultRoute(method: "GET", path: "/keys").dataAction == "Microsoft.KeyVault/vaults/keys/read")
        #expect(try KeyVaultRoute(method: "POST", path: "/keys/k/create").auditName == "KeyCreate")
    }

    @Test func refusesWhatIsNoOperation() {
        #expect(throws: KeyVaultError.notFound("/secrets/s")) { try KeyVaultRoute(method: "GET", path: "/secrets/s") }
        #expect(throws: KeyVaultError.methodNotAllowed("DELETE", "/keys")) { try KeyVaultRoute(method: "DELETE", path: "/keys") }
        #expect(throws: KeyVaultError.self) { try KeyVaultRoute(method: "POST", path: "/keys/k/v/fly") }
    }
}
