import KuraCrypto
import Testing
import X509

@Suite struct LocalCertificateAuthorityTests {
    @Test func issuesAServerCertificateWithTheRequestedNamesSignedByTheCA() throws {
        let authority = try LocalCertificateAuthority.create()
        let dns = ["localhost", "vault.localhost", "*.vault.localhost", "cr.localhost", "*.cr.localhost"]
        let (server, _) = try authority.issueServerCertificate(dnsNames: dns, ipAddresses: ["127.0.0.1", "::1"])
        let names = LocalCertificateAuthority.subjectAlternativeNames(of: server)
        #expect(names.dns == dns)
        #expect(names.ip == ["127.0.0.1", "::1"])
        #expect(server.issuer == authority.certificate.subject)
        #expect(authority.certificate.publicKey.isValidSignature(server.signature, for: server))
        #expect(try authority.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try server.extensions.basicConstraints == .notCertificateAuthority)
    }
}
