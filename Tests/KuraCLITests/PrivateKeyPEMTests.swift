import KuraAPI
import Crypto
import Foundation
@testable import KuraCLI
import KuraJMESPath
import Testing
import _CryptoExtras

/// PEM private keys → the JWK Key Vault's import takes, checked by rebuilding the key from the JWK.
@Suite struct PrivateKeyPEMTests {
    static func bytes(_ jwk: JSONValue, _ field: String) throws -> Data {
        guard case .string(let text)? = jwk[field], let data = Data(base64URL: text) else { throw CLIError(.local, "no \(field)") }
        return data
    }

    @Test(arguments: [false, true])
    func rsaKeysInPKCS1AndPKCS8(_ pkcs8: Bool) throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let jwk = try PrivateKeyPEM.jwk(pkcs8 ? key.pkcs8PEMRepresentation : key.pemRepresentation)
        #expect(jwk["kty"] == .string("RSA"))
        let rebuilt = try _RSA.Signing.PrivateKey(n: try Self.bytes(jwk, "n"), e: try Self.bytes(jwk, "e"), d: try Self.bytes(jwk, "d"),
                                                  p: try Self.bytes(jwk, "p"), q: try Self.bytes(jwk, "q"))
        #expect(rebuilt.derRepresentation == key.derRepresentation)
        for field in ["dp", "dq", "qi"] { #expect(try !Self.bytes(jwk, field).isEmpty) }
    }

    @Test func ecKeysOfEveryCurve() throws {
        let p256 = P256.Signing.PrivateKey(), p384 = P384.Signing.PrivateKey(), p521 = P521.Signing.PrivateKey()
        let cases: [(String, String, Data, Data)] = [
            (p256.pemRepresentation, "P-256", p256.rawRepresentation, p256.publicKey.rawRepresentation),
            (p384.pemRepresentation, "P-384", p384.rawRepresentation, p384.publicKey.rawRepresentation),
            (p521.pemRepresentation, "P-521", p521.rawRepresentation, p521.publicKey.rawRepresentation),
        ]
        for (pem, curve, d, point) in cases {
            let jwk = try PrivateKeyPEM.jwk(pem)
            #expect(jwk["crv"] == .string(curve) && jwk["kty"] == .string("EC"))
            #expect(try Self.bytes(jwk, "d") == d)
            #expect(try Self.bytes(jwk, "x") + Self.bytes(jwk, "y") == point)
        }
    }

    /// `openssl pkcs8 -topk8 -v2 aes256 -v2prf hmacWithSHA256 -passout pass:kura-test` of a P-256 key, and that key's public point.
    static let encryptedP256 = """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiTGzmpok2IkAICCAAw
        DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEJy30p6Lb26DugjlyU+pHkIEgZCf
        3or79mE2fFwvl+k3ung2YU6IYHNZp37oPtEfKB177xYCe91LDyh5s62d6g55XbuT
        2zBrTyUX2xvDajStsmE3yVVQb+wMWxl0WjCsFKRGr9gRbkK42DnfT3N835kwtbs1
        qRIYyIHMaOB4PI+7NjIGOpJ8ClyZklfA9q0rKA5vWq+YuK8zIGZBzHJjoofcmc8=
        -----END ENCRYPTED PRIVATE KEY-----
        """
    static let encryptedP256Point = "ab801ee5477869fcd30bd5e7909e74b1e97eb34ab6ad48df632b5c942b3d5971"
        + "253b6ec1b5f1b0504152c0dd1f0a3fadba69afd253df817b4df20dbc5730d790"

    @Test func encryptedPKCS8OpensWithItsPassword() throws {
        let jwk = try PrivateKeyPEM.jwk(Self.encryptedP256, password: "kura-test")
        let point = try Self.bytes(jwk, "x") + Self.bytes(jwk, "y")
        #expect(point.map { String(format: "%02x", $0) }.joined() == Self.encryptedP256Point)
        #expect(throws: CLIError(.local, "Could not decrypt the PEM file: is --pem-password right?")) {
            try PrivateKeyPEM.jwk(Self.encryptedP256, password: "not-it")
        }
        #expect(throws: CLIError(.local, "The PEM file is encrypted: give its password with --pem-password.")) {
            try PrivateKeyPEM.jwk(Self.encryptedP256)
        }
    }

    @Test func foreignFilesAreClearErrors() {
        #expect(throws: CLIError(.local, "The file is not a PEM RSA or EC (P-256, P-384, P-521) private key.")) {
            try PrivateKeyPEM.jwk("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        }
    }
}
