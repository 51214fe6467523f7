import Crypto
import Foundation
@testable import KuraCLI
import KuraJMESPath
import Testing
import _CryptoExtras

/// PEM private keys → the JWK Key Vault's import takes, checked by rebuilding the key from the JWK.
@Suite struct PrivateKeyPEMTests {
    static func bytes(_ jwk: JMESValue, _ field: String) throws -> Data {
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

    @Test func encryptedAndForeignFilesAreClearErrors() {
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
        #expect(throws: CLIError(.local, "Encrypted PEM files are not supported: decrypt it first (openssl pkey -in key.pem -out plain.pem).")) {
            try PrivateKeyPEM.jwk(encrypted)
        }
        #expect(throws: CLIError(.local, "The file is not a PEM RSA or EC (P-256, P-384, P-521) private key.")) {
            try PrivateKeyPEM.jwk("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        }
    }
}
