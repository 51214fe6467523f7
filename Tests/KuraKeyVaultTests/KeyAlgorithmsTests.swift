import KuraAPI
import Crypto
import Foundation
import KuraCore
@testable import KuraKeyVault
import Testing
import _CryptoExtras

@Suite struct KeyAlgorithmsTests {
    @Test func digestsBuiltFromBytesEqualSwiftCryptosOwn() throws {
        let data = Data("kura".utf8)
        #expect(try DigestBytes.sha256(Array(SHA256.hash(data: data)), alg: "RS256") == SHA256.hash(data: data))
        #expect(try DigestBytes.sha384(Array(SHA384.hash(data: data)), alg: "RS384") == SHA384.hash(data: data))
        #expect(try DigestBytes.sha512(Array(SHA512.hash(data: data)), alg: "RS512") == SHA512.hash(data: data))
        #expect(throws: KeyVaultError.self) { try DigestBytes.sha256([1, 2, 3], alg: "RS256") }
    }

    @Test(arguments: KeyAlgorithms.encryption)
    func rsaEncryptionRoundTrips(_ alg: String) throws {
        let material = try KeyMaterial.generate(.rsa(bits: 2048))
        let ciphertext = try KeyAlgorithms.encrypt(Array("secret".utf8), alg: alg, with: material)
        #expect(ciphertext.count == 256)
        #expect(try KeyAlgorithms.decrypt(ciphertext, alg: alg, with: material) == Array("secret".utf8))
        let other = try KeyMaterial.generate(.rsa(bits: 2048))
        #expect(throws: KeyVaultError.self) { try KeyAlgorithms.decrypt(ciphertext, alg: alg, with: other) }
    }

    @Test(arguments: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
    func rsaSignaturesVerifyWithSwiftCryptoOverTheSameMessage(_ alg: String) throws {
        let material = try KeyMaterial.generate(.rsa(bits: 2048))
        let message = Data("message".utf8)
        let digest: [UInt8] = switch alg.suffix(3) {
        case "256": Array(SHA256.hash(data: message))
        case "384": Array(SHA384.hash(data: message))
        default: Array(SHA512.hash(data: message))
        }
        let signature = try KeyAlgorithms.sign(digest, alg: alg, with: material)
        #expect(try KeyAlgorithms.verify(digest, signature: signature, alg: alg, with: material))
        let publicKey = try _RSA.Signing.PrivateKey(derRepresentation: material.privateBytes).publicKey
        let padding: _RSA.Signing.Padding = alg.hasPrefix("PS") ? .PSS : .insecurePKCS1v1_5
        let parsed = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let valid = switch alg.suffix(3) {
        case "256": publicKey.isValidSignature(parsed, for: SHA256.hash(data: message), padding: padding)
        case "384": publicKey.isValidSignature(parsed, for: SHA384.hash(data: message), padding: padding)
        default: publicKey.isValidSignature(parsed, for: SHA512.hash(data: message), padding: padding)
        }
        #expect(valid)
        var tampered = digest
        tampered[0] ^= 1
        #expect(try !KeyAlgorithms.verify(tampered, signature: signature, alg: alg, with: material))
    }

    @Test func ecdsaSignaturesAreRawRAndSPaddedToTheCurve() throws {
        for (curve, alg, size) in [(KeyMaterial.Curve.p256, "ES256", 64), (.p384, "ES384", 96), (.p521, "ES512", 132)] {
            let material = try KeyMaterial.generate(.ec(curve))
            let digest: [UInt8] = switch alg {
            case "ES256": Array(SHA256.hash(data: Data("m".utf8)))
            case "ES384": Array(SHA384.hash(data: Data("m".utf8)))
            default: Array(SHA512.hash(data: Data("m".utf8)))
            }
            let signature = try KeyAlgorithms.sign(digest, alg: alg, with: material)
            #expect(signature.count == size)
            #expect(try KeyAlgorithms.verify(digest, signature: signature, alg: alg, with: material))
            #expect(throws: KeyVaultError.self) { try KeyAlgorithms.sign(digest, alg: "RS256", with: material) }
        }
    }

    @Test func publicJWKsCarryNoPrivateField() throws {
        let rsa = try KeyMaterial.generate(.rsa(bits: 3072)).publicJWK(kid: "k", keyOps: ["wrapKey"])
        #expect(Set(rsa.objectValue!.keys) == ["kid", "kty", "key_ops", "n", "e"])
        #expect(Data(base64URLEncoded: rsa["n"]!.stringValue!)?.count == 384)
        let ec = try KeyMaterial.generate(.ec(.p521)).publicJWK(kid: "k", keyOps: ["sign"])
        #expect(Set(ec.objectValue!.keys) == ["kid", "kty", "key_ops", "crv", "x", "y"])
        #expect(Data(base64URLEncoded: ec["x"]!.stringValue!)?.count == 66)
    }
}
