import Foundation
import KuraAPI
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
}
