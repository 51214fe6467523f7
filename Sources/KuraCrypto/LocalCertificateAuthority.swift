// kura — a self-hosted encrypted container registry.
// LocalCertificateAuthority: the small CA and server certificate made on first start.

public import Crypto
public import Foundation
import SwiftASN1
public import X509

/// A private CA (P-256) that issues kura's TLS server certificate. Clients trust the CA file;
/// the server certificate can then be re-issued (new SANs, renewal) without re-trusting anything.
public struct LocalCertificateAuthority: Sendable {
    public let certificate: Certificate
    let privateKey: P256.Signing.PrivateKey

    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// A new CA valid for ten years.
    public static func create(commonName: String = "kura local CA", now: Date = Date()) throws -> LocalCertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("kura")
            CommonName(commonName)
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name,
            extensions: Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return LocalCertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// The PEM of the CA's private key (to be sealed before it is stored).
    public var privateKeyPEM: String { privateKey.pemRepresentation }

    /// Issues a server certificate for `dnsNames` and `ipAddresses`, valid for `days` days.
    /// - Returns: the certificate and its new private key.
    public func issueServerCertificate(dnsNames: [String], ipAddresses: [String], days: Int = 397,
                                       now: Date = Date()) throws -> (Certificate, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("kura")
            CommonName(dnsNames.first ?? "kura")
        }
        var names = dnsNames.map(GeneralName.dnsName)
        for address in ipAddresses {
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(try Self.ipAddressBytes(address)))))
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(days) * 86400),
            issuer: self.certificate.subject, subject: subject,
            extensions: Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                AuthorityKeyIdentifier(keyIdentifier: try self.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(privateKey))
        return (certificate, key)
    }

    /// The SANs of `certificate` as (DNS names, IP addresses in text form).
    public static func subjectAlternativeNames(of certificate: Certificate) -> (dns: [String], ip: [String]) {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return ([], []) }
        var dns: [String] = []
        var ip: [String] = []
        for name in names {
            switch name {
            case .dnsName(let value): dns.append(value)
            case .ipAddress(let octets): ip.append(ipAddressText(Array(octets.bytes)))
            default: continue
            }
        }
        return (dns, ip)
    }

    static func ipAddressBytes(_ text: String) throws -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        throw CryptoFailure.unsupported("'\(text)' is not an IP address")
    }

    static func ipAddressText(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
