// kura — a self-hosted encrypted container registry.
// ServerCertificates: the local CA and the server certificate in the data dir.

import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraStorage
import NIOSSL
import SwiftASN1
import X509

/// Loads or creates the CA (once per data dir) and a server certificate whose SANs cover the
/// configured hosts (re-issued when they change or when less than 30 days remain).
struct ServerCertificates {
    let directory: DataDirectory
    let sealer: SealedFile

    /// The names the server certificate must carry (DESIGN §2).
    static func subjectNames(for config: KuraConfig) -> (dns: [String], ip: [String]) {
        var dns = [config.mainHost, config.vaultSuffix, "*." + config.vaultSuffix,
                   config.registrySuffix, "*." + config.registrySuffix]
        var ip = ["127.0.0.1", "::1"]
        for address in config.listenAddresses where !ip.contains(address) {
            if address.contains(":") || address.allSatisfy({ $0.isNumber || $0 == "." }) { ip.append(address) } else {
                dns.append(address)
            }
        }
        return (Array(NSOrderedSet(array: dns)) as! [String], ip)
    }

    /// - Returns: TLS configuration for the listeners, and whether the CA was created now.
    func load(config: KuraConfig) throws -> (TLSConfiguration, caCreated: Bool) {
        let (authority, caCreated) = try certificateAuthority()
        let wanted = Self.subjectNames(for: config)
        var server: (pem: String, keyPEM: String)? = nil
        if let pemBytes = try DurableFile.read(directory.serverCertificateFile),
           let sealedKey = try DurableFile.read(directory.serverKeyFile) {
            let pem = String(decoding: pemBytes, as: UTF8.self)
            let certificate = try Certificate(pemEncoded: pem)
            let names = LocalCertificateAuthority.subjectAlternativeNames(of: certificate)
            let fresh = certificate.notValidAfter.timeIntervalSinceNow > 30 * 86400
            if fresh && Set(names.dns) == Set(wanted.dns) && Set(names.ip) == Set(wanted.ip)
                && certificate.issuer == authority.certificate.subject {
                server = (pem, String(decoding: try sealer.open(sealedKey, name: "tls/server.key"), as: UTF8.self))
            }
        }
        if server == nil {
            let (certificate, key) = try authority.issueServerCertificate(dnsNames: wanted.dns, ipAddresses: wanted.ip)
            let pem = try certificate.serializeAsPEM().pemString
            try DurableFile.write(try sealer.seal(Data(key.pemRepresentation.utf8), name: "tls/server.key"), to: directory.serverKeyFile)
            try DurableFile.write(Array((pem + "\n").utf8), to: directory.serverCertificateFile)
            server = (pem, key.pemRepresentation)
        }
        let caPEM = try authority.certificate.serializeAsPEM().pemString
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(server!.pem.utf8), format: .pem)),
                               .certificate(try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server!.keyPEM.utf8), format: .pem)))
        return (configuration, caCreated)
    }

    private func certificateAuthority() throws -> (LocalCertificateAuthority, created: Bool) {
        if let pem = try DurableFile.read(directory.caCertificateFile), let sealedKey = try DurableFile.read(directory.caKeyFile) {
            let certificate = try Certificate(pemEncoded: String(decoding: pem, as: UTF8.self))
            let keyPEM = String(decoding: try sealer.open(sealedKey, name: "tls/ca.key"), as: UTF8.self)
            return (LocalCertificateAuthority(certificate: certificate, privateKey: try P256.Signing.PrivateKey(pemRepresentation: keyPEM)), false)
        }
        let authority = try LocalCertificateAuthority.create()
        // Key first: a CA certificate on disk always has its key beside it.
        try DurableFile.write(try sealer.seal(Data(authority.privateKeyPEM.utf8), name: "tls/ca.key"), to: directory.caKeyFile)
        try DurableFile.write(Array((try authority.certificate.serializeAsPEM().pemString + "\n").utf8), to: directory.caCertificateFile)
        return (authority, true)
    }
}
