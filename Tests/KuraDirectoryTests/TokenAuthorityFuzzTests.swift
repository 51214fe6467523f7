import Foundation
import KuraCore
import KuraDirectory
import KuraTestSupport
import Testing
import _CryptoExtras

/// Fuzz (issue 13 §7): the `Authorization: Bearer …` access tokens every plane verifies, random
/// and tampered: `alg` none, HS256 or a foreign `kid` on a real payload, segments cut or
/// duplicated, bits flipped. A token is refused with a ``TokenRejection``, or it is the one this
/// authority issued.
@Suite struct TokenAuthorityFuzzTests {
    static let audience = "https://management.localhost/"

    /// `token` with its header replaced by `header` (JSON), signature kept or dropped.
    static func reheaded(_ token: String, _ header: String, keepSignature: Bool) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return [Data(header.utf8).base64URLEncodedString(), String(parts[1]), keepSignature ? String(parts[2]) : ""].joined(separator: ".")
    }

    @Test func accessTokensAreRefusedUnlessIssuedHere() async throws {
        let pem = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        let authority = try await TokenAuthority(signingKeyPEM: pem, tenantID: "11111111-2222-4333-8444-555555555555",
                                                 loginEndpoint: "https://localhost:8443")
        let issued = try await authority.issue(objectID: "fuzz-object", appID: "fuzz-app", audience: Self.audience, version: .v2)
        let v1 = try await authority.issue(objectID: "fuzz-object", appID: "fuzz-app", audience: Self.audience, version: .v1)
        var seeds = [issued, v1]
        for header in [#"{"alg":"none","typ":"JWT"}"#, #"{"alg":"HS256","kid":"\#(authority.keyID)","typ":"JWT"}"#,
                       #"{"alg":"RS256","kid":"other","typ":"JWT"}"#, #"{"alg":"RS256","typ":"JWT"}"#,
                       #"{"alg":"RS256","kid":"\#(authority.keyID)","typ":"JWT","crit":["exp"]}"#, #"{"alg":["RS256"]}"#, "{}", "[]", "null"] {
            seeds += [Self.reheaded(issued, header, keepSignature: true), Self.reheaded(issued, header, keepSignature: false)]
        }
        var fuzz = FuzzRun("Authorization Bearer, access token (TokenAuthority.verify)", seed: 0x4A_5754,
                           tokens: FuzzRun.tokens + [".", "..", "eyJ", "=", "-", "_", "+", "/", authority.keyID])
        for _ in 0..<fuzz.cases {
            let token = fuzz.string(seeds: seeds, maxLength: 2048)
            fuzz.trace(token)
            do throws(TokenRejection) {
                let claims = try await authority.verify(token, audiences: [Self.audience])
                fuzz.accept()
                fuzz.check(claims.oid == "fuzz-object" && claims.appid == "fuzz-app", "\(FuzzRun.quoted(token)) verified as \(claims.oid)")
            } catch {
                fuzz.reject()
            }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }
}
