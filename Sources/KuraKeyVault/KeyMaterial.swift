// kura — a self-hosted encrypted container registry.
// KeyMaterial: a vault key's private part — generated, imported, described as a public JWK.

public import KuraAPI
import Crypto
import Foundation
import KuraCore
import _CryptoExtras

/// The private half of a key. RSA keys are kept as PKCS#1 DER, EC keys as the raw private scalar;
/// these bytes exist in memory only while an operation needs them and on disk only sealed
/// (``KeyMaterialSealer``).
public struct KeyMaterial: Sendable {
    public enum Curve: String, Sendable, CaseIterable {
        case p256 = "P-256", p384 = "P-384", p521 = "P-521"

        /// Bytes of a coordinate or scalar.
        var size: Int {
            switch self {
            case .p256: 32
            case .p384: 48
            case .p521: 66
            }
        }
    }

    public enum Kind: Sendable, Equatable {
        case rsa(bits: Int)
        case ec(Curve)
    }

    public let kind: Kind
    /// PKCS#1 DER (RSA) or the private scalar (EC).
    let privateBytes: [UInt8]

    init(kind: Kind, privateBytes: [UInt8]) {
        self.kind = kind
        self.privateBytes = privateBytes
    }

    /// RSA sizes and curves Key Vault offers.
    public static let rsaSizes = [2048, 3072, 4096]

    /// A new key.
    public static func generate(_ kind: Kind) throws -> KeyMaterial {
        switch kind {
        case .rsa(let bits):
            guard rsaSizes.contains(bits) else { throw KeyVaultError.badParameter("RSA key size \(bits) is not supported; use 2048, 3072 or 4096.") }
            let key = try _RSA.Signing.PrivateKey(keySize: _RSA.Signing.KeySize(bitCount: bits))
            return KeyMaterial(kind: kind, privateBytes: Array(key.derRepresentation))
        case .ec(.p256): return KeyMaterial(kind: kind, privateBytes: Array(P256.Signing.PrivateKey().rawRepresentation))
        case .ec(.p384): return KeyMaterial(kind: kind, privateBytes: Array(P384.Signing.PrivateKey().rawRepresentation))
        case .ec(.p521): return KeyMaterial(kind: kind, privateBytes: Array(P521.Signing.PrivateKey().rawRepresentation))
        }
    }

    /// A key from a JWK with its private fields (`import`): RSA needs n, e, d, p, q; EC needs crv, x, y, d.
    /// - Throws: ``KeyVaultError`` `BadParameter` naming what is missing or inconsistent.
    public static func fromJWK(_ jwk: JSONValue) throws -> KeyMaterial {
        func field(_ name: String) throws -> Data {
            guard let text = jwk[name]?.stringValue, let data = Data(base64URLEncoded: text), !data.isEmpty else {
                throw KeyVaultError.badParameter("The JWK needs the field '\(name)' (base64url).")
            }
            return data
        }
        switch jwk["kty"]?.stringValue?.uppercased() {
        case "RSA", "RSA-HSM":
            let modulusBits = stripped(try field("n")).count * 8
            guard rsaSizes.contains(modulusBits) else {
                throw KeyVaultError.badParameter("RSA key size \(modulusBits) is not supported; use 2048, 3072 or 4096.")
            }
            do {
                let key = try _RSA.Signing.PrivateKey(n: try field("n"), e: try field("e"), d: try field("d"), p: try field("p"), q: try field("q"))
                guard rsaSizes.contains(key.keySizeInBits) else {
                    throw KeyVaultError.badParameter("RSA key size \(key.keySizeInBits) is not supported; use 2048, 3072 or 4096.")
                }
                return KeyMaterial(kind: .rsa(bits: key.keySizeInBits), privateBytes: Array(key.derRepresentation))
            } catch let error as KeyVaultError {
                throw error
            } catch {
                throw KeyVaultError.badParameter("The RSA JWK is not a valid private key: \(error).")
            }
        case "EC", "EC-HSM":
            guard let curve = jwk["crv"]?.stringValue.flatMap(Curve.init(rawValue:)) else {
                throw KeyVaultError.badParameter("The EC JWK needs 'crv' P-256, P-384 or P-521.")
            }
            let material = KeyMaterial(kind: .ec(curve), privateBytes: Array(try field("d")))
            guard let (x, y) = try? material.ecPublicCoordinates(), x == Array(try field("x")), y == Array(try field("y")) else {
                throw KeyVaultError.badParameter("The EC JWK's private key 'd' does not match its public point (x, y).")
            }
            return material
        default:
            throw KeyVaultError.badParameter("The JWK's 'kty' must be RSA or EC.")
        }
    }

    /// The public JWK as Key Vault returns it (never a private field).
    public func publicJWK(kid: String, keyOps: [String]) throws -> JSONValue {
        var jwk: JSONValue = ["kid": .string(kid), "key_ops": .array(keyOps.map { .string($0) })]
        switch kind {
        case .rsa:
            let primitives = try _RSA.Signing.PrivateKey(derRepresentation: privateBytes).publicKey.getKeyPrimitives()
            jwk["kty"] = "RSA"
            jwk["n"] = .string(Self.stripped(primitives.modulus).base64URLEncodedString())
            jwk["e"] = .string(Self.stripped(primitives.publicExponent).base64URLEncodedString())
        case .ec(let curve):
            let (x, y) = try ecPublicCoordinates()
            jwk["kty"] = "EC"
            jwk["crv"] = .string(curve.rawValue)
            jwk["x"] = .string(Data(x).base64URLEncodedString())
            jwk["y"] = .string(Data(y).base64URLEncodedString())
        }
        return jwk
    }

    func ecPublicCoordinates() throws -> ([UInt8], [UInt8]) {
        let point: Data
        switch kind {
        case .ec(.p256): point = try P256.Signing.PrivateKey(rawRepresentation: privateBytes).publicKey.x963Representation
        case .ec(.p384): point = try P384.Signing.PrivateKey(rawRepresentation: privateBytes).publicKey.x963Representation
        case .ec(.p521): point = try P521.Signing.PrivateKey(rawRepresentation: privateBytes).publicKey.x963Representation
        case .rsa: throw KeyVaultError.badParameter("not an EC key")
        }
        let size = (point.count - 1) / 2
        return (Array(point.dropFirst().prefix(size)), Array(point.suffix(size)))
    }

    /// Big-endian integer bytes without leading zeros.
    static func stripped(_ data: Data) -> Data {
        let trimmed = data.drop { $0 == 0 }
        return trimmed.isEmpty ? Data([0]) : Data(trimmed)
    }

    /// `kty` as Key Vault names it.
    public var keyType: String {
        switch kind {
        case .rsa: "RSA"
        case .ec: "EC"
        }
    }

    /// Serialized for sealing: a type tag, then the private bytes.
    func encoded() -> [UInt8] {
        switch kind {
        case .rsa(let bits): Array("rsa:\(bits):".utf8) + privateBytes
        case .ec(let curve): Array("ec:\(curve.rawValue):".utf8) + privateBytes
        }
    }

    static func decoded(_ bytes: [UInt8]) throws -> KeyMaterial {
        let parts = bytes.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let tag = String(bytes: parts[0], encoding: .utf8), let parameter = String(bytes: parts[1], encoding: .utf8) else {
            throw KeyVaultError(status: 500, code: "InternalError", "stored key material is malformed")
        }
        switch tag {
        case "rsa": if let bits = Int(parameter) { return KeyMaterial(kind: .rsa(bits: bits), privateBytes: Array(parts[2])) }
        case "ec": if let curve = Curve(rawValue: parameter) { return KeyMaterial(kind: .ec(curve), privateBytes: Array(parts[2])) }
        default: break
        }
        throw KeyVaultError(status: 500, code: "InternalError", "stored key material is malformed")
    }
}
