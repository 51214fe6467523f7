// kura — a self-hosted encrypted container registry.
// PrivateKeyPEM: a PEM private key as the JWK Key Vault's import takes (what az does locally).

import Crypto
import Foundation
import KuraAPI
import KuraJMESPath
import SwiftASN1
import _CryptoExtras

/// Reads an unencrypted PEM private key — RSA (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`)
/// or EC P-256/P-384/P-521 (SEC1 `EC PRIVATE KEY` or PKCS#8) — into a private JWK. The key never
/// leaves memory except inside the TLS request to the vault.
enum PrivateKeyPEM {
    /// - Parameter password: for an encrypted PKCS#8 file (``EncryptedPrivateKey``).
    /// - Throws: ``CLIError`` `.local` naming why the file is not a usable key.
    static func jwk(_ pem: String, password: String? = nil) throws -> JSONValue {
        if pem.contains("Proc-Type: 4,ENCRYPTED") {
            throw CLIError(.local, "Legacy encrypted PEM files are not supported: convert it with `openssl pkcs8 -topk8 -v2 aes256`.")
        }
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            guard let password else { throw CLIError(.local, "The PEM file is encrypted: give its password with --pem-password.") }
            return try jwk(try EncryptedPrivateKey.decrypt(pem, password: password))
        }
        if let rsa = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) {
            return try rsaJWK(Array(rsa.derRepresentation))
        }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            return ecJWK("P-256", d: key.rawRepresentation, point: key.publicKey.rawRepresentation)
        }
        if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            return ecJWK("P-384", d: key.rawRepresentation, point: key.publicKey.rawRepresentation)
        }
        if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            return ecJWK("P-521", d: key.rawRepresentation, point: key.publicKey.rawRepresentation)
        }
        throw CLIError(.local, "The file is not a PEM RSA or EC (P-256, P-384, P-521) private key.")
    }

    /// PKCS#1 `RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qi }` → JWK.
    static func rsaJWK(_ der: [UInt8]) throws -> JSONValue {
        guard let node = try? DER.parse(der), case .constructed(let children) = node.content else {
            throw CLIError(.local, "The RSA key is not valid PKCS#1.")
        }
        var integers: [[UInt8]] = []
        for child in children {
            guard child.identifier == .integer, case .primitive(let bytes) = child.content else {
                throw CLIError(.local, "The RSA key is not valid PKCS#1.")
            }
            integers.append(Array(bytes.drop(while: { $0 == 0 })))
        }
        guard integers.count >= 9 else { throw CLIError(.local, "The RSA key is not valid PKCS#1.") }
        let names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"]
        return .object(JSONObject([("kty", "RSA")] + zip(names, integers[1...8]).map { ($0, JSONValue.string(Data($1).base64URLString)) }))
    }

    static func ecJWK(_ curve: String, d: Data, point: Data) -> JSONValue {
        let half = point.count / 2
        return .object(["kty": "EC", "crv": .string(curve), "x": .string(Data(point.prefix(half)).base64URLString),
                        "y": .string(Data(point.suffix(half)).base64URLString), "d": .string(d.base64URLString)])
    }
}
