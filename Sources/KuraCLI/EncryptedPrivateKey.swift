// kura — a self-hosted encrypted container registry.
// EncryptedPrivateKey: PKCS#8 `ENCRYPTED PRIVATE KEY` (PBES2) → the plain PEM, for `--pem-password`.

import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

/// Decrypts what `openssl genpkey -aes256`, `openssl pkcs8 -topk8` and OpenSSL 3's `genrsa -aes…`
/// write: PKCS#8 EncryptedPrivateKeyInfo with PBES2 = PBKDF2 (HMAC-SHA1/256/384/512) + AES-CBC
/// (128/192/256). The plaintext key stays in memory.
enum EncryptedPrivateKey {
    static let pbes2 = "1.2.840.113549.1.5.13"
    static let pbkdf2 = "1.2.840.113549.1.5.12"
    static let pseudoRandomFunctions: [String: KDF.Insecure.PBKDF2.HashFunction] = [
        "1.2.840.113549.2.7": .insecureSHA1, "1.2.840.113549.2.9": .sha256,
        "1.2.840.113549.2.10": .sha384, "1.2.840.113549.2.11": .sha512,
    ]
    static let ciphers: [String: Int] = ["2.16.840.1.101.3.4.1.2": 16, "2.16.840.1.101.3.4.1.22": 24, "2.16.840.1.101.3.4.1.42": 32]

    /// - Returns: the key as an unencrypted `PRIVATE KEY` PEM.
    /// - Throws: ``CLIError`` `.local`: a wrong password, or a scheme kura does not read.
    static func decrypt(_ pem: String, password: String) throws -> String {
        let unsupported = CLIError(.local, "The PEM file's encryption is not PBES2 with PBKDF2 and AES-CBC; re-encrypt it with "
                                   + "`openssl pkcs8 -topk8 -v2 aes256` or decrypt it first.")
        guard let document = try? PEMDocument(pemString: pem), document.discriminator == "ENCRYPTED PRIVATE KEY" else { throw unsupported }
        do {
            let info = try children(DER.parse(document.derBytes))
            let algorithm = try children(info[0])
            guard info.count == 2, try oid(algorithm[0]) == pbes2 else { throw unsupported }
            let parameters = try children(algorithm[1])
            let derivation = try children(parameters[0]), scheme = try children(parameters[1])
            guard try oid(derivation[0]) == pbkdf2, let keySize = ciphers[try oid(scheme[0])] else { throw unsupported }
            let kdf = try children(derivation[1])
            let salt = try primitive(kdf[0]), rounds = try integer(kdf[1])
            var prf = KDF.Insecure.PBKDF2.HashFunction.insecureSHA1
            if let last = kdf.last, kdf.count > 2, case .constructed = last.content {
                guard let named = pseudoRandomFunctions[try oid(try children(last)[0])] else { throw unsupported }
                prf = named
            }
            let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: prf, outputByteCount: keySize,
                                                         unsafeUncheckedRounds: rounds)
            let plain: Data
            do {
                plain = try AES._CBC.decrypt(try primitive(info[1]), using: key, iv: try AES._CBC.IV(ivBytes: try primitive(scheme[1])))
            } catch {
                throw CLIError(.local, "Could not decrypt the PEM file: is --pem-password right?")
            }
            guard (try? DER.parse(Array(plain))) != nil else { throw CLIError(.local, "Could not decrypt the PEM file: is --pem-password right?") }
            return PEMDocument(type: "PRIVATE KEY", derBytes: Array(plain)).pemString
        } catch let error as CLIError {
            throw error
        } catch {
            throw unsupported
        }
    }

    private static func children(_ node: ASN1Node) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { throw ASN1Error.unexpectedFieldType(node.identifier) }
        return Array(nodes)
    }

    private static func primitive(_ node: ASN1Node) throws -> [UInt8] {
        guard case .primitive(let bytes) = node.content else { throw ASN1Error.unexpectedFieldType(node.identifier) }
        return Array(bytes)
    }

    private static func oid(_ node: ASN1Node) throws -> String {
        try ASN1ObjectIdentifier(derEncoded: node).description
    }

    private static func integer(_ node: ASN1Node) throws -> Int {
        try Int(derEncoded: node)
    }
}
