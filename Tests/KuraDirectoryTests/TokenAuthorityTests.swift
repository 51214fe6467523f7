import Foundation
import JWTKit
import KuraCore
import KuraDirectory
import KuraAPI
import Testing
import _CryptoExtras

@Suite struct TokenAuthorityTests {
    static let pem = try! _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
    static let tenant = "11111111-2222-4333-8444-555555555555"
    static let audience = "https://management.localhost/"

    static func authority(tenant: String = tenant, pem: String = pem, clock: any WallClock = SystemClock()) async throws -> TokenAuthority {
        try await TokenAuthority(signingKeyPEM: pem, tenantID: tenant, loginEndpoint: "https://localhost:8443", clock: clock)
    }

    /// A token `authority` issues now, or one issued at `issuedAt` by the same key and tenant (an
    /// authority whose clock reads that time).
    static func issue(_ authority: TokenAuthority, issuedAt: Date? = nil, audience: String = audience) async throws -> String {
        let issuer = if let issuedAt { try await Self.authority(clock: ManualClock(issuedAt)) } else { authority }
        return try await issuer.issue(objectID: "oid-1", appID: "app-1", audience: audience, version: .v2)
    }

    @Test func aFreshTokenVerifiesWithItsClaims() async throws {
        let authority = try await Self.authority()
        let claims = try await authority.verify(try await Self.issue(authority), audiences: [Self.audience])
        #expect(claims.oid == "oid-1" && claims.appid == "app-1" && claims.tid == Self.tenant && claims.ver == "2.0")
        #expect(claims.iss.value == "https://localhost:8443/\(Self.tenant)/v2.0")
        #expect(claims.sub.value == "oid-1")
        // The audience matches with or without its trailing slash.
        _ = try await authority.verify(try await Self.issue(authority), audiences: ["https://management.localhost"])
    }

    @Test func aTokenSurvivesARestart() async throws {
        let token = try await Self.issue(try await Self.authority())
        let afterRestart = try await Self.authority()
        #expect(try await afterRestart.verify(token, audiences: [Self.audience]).oid == "oid-1")
    }

    @Test func expiredTokensAreRejected() async throws {
        let authority = try await Self.authority()
        let old = try await Self.issue(authority, issuedAt: Date().addingTimeInterval(-2 * 3600))
        await #expect(throws: TokenRejection.expired) { _ = try await authority.verify(old, audiences: [Self.audience]) }
    }

    @Test func notYetValidTokensAreRejected() async throws {
        let authority = try await Self.authority()
        let future = try await Self.issue(authority, issuedAt: Date().addingTimeInterval(3600))
        await #expect(throws: TokenRejection.notYetValid) { _ = try await authority.verify(future, audiences: [Self.audience]) }
        // Within the skew it passes.
        let slightlyAhead = try await Self.issue(authority, issuedAt: Date().addingTimeInterval(60))
        _ = try await authority.verify(slightlyAhead, audiences: [Self.audience])
    }

    @Test func wrongAudiencesAreRejected() async throws {
        let authority = try await Self.authority()
        let vaultToken = try await Self.issue(authority, audience: "https://vault.localhost:8443")
        await #expect(throws: TokenRejection.audience("https://vault.localhost:8443")) {
            _ = try await authority.verify(vaultToken, audiences: [Self.audience])
        }
    }

    @Test func anotherTenantsTokensAreRejected() async throws {
        let other = try await Self.authority(tenant: "99999999-0000-4000-8000-000000000000")
        let token = try await Self.issue(other)
        await #expect(throws: TokenRejection.tenant("99999999-0000-4000-8000-000000000000")) {
            _ = try await Self.authority().verify(token, audiences: [Self.audience])
        }
    }

    @Test func aTamperedSignatureOrPayloadIsRejected() async throws {
        let authority = try await Self.authority()
        let parts = try await Self.issue(authority).split(separator: ".").map(String.init)
        var signature = Array(parts[2].utf8)
        signature[10] = signature[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let forgedSignature = [parts[0], parts[1], String(decoding: signature, as: UTF8.self)].joined(separator: ".")
        await #expect(throws: TokenRejection.signature) { _ = try await authority.verify(forgedSignature, audiences: [Self.audience]) }

        var payload = try JSONSerialization.jsonObject(with: Self.decode(parts[1])) as! [String: Any]
        payload["oid"] = "someone-else"
        let forgedPayload = [parts[0], Self.encode(try JSONSerialization.data(withJSONObject: payload)), parts[2]].joined(separator: ".")
        await #expect(throws: TokenRejection.signature) { _ = try await authority.verify(forgedPayload, audiences: [Self.audience]) }
    }

    @Test func algNoneIsRejected() async throws {
        let authority = try await Self.authority()
        let parts = try await Self.issue(authority).split(separator: ".").map(String.init)
        let header = Self.encode(Data(#"{"alg":"none","kid":"\#(authority.keyID)","typ":"JWT"}"#.utf8))
        await #expect(throws: TokenRejection.algorithm("none")) {
            _ = try await authority.verify("\(header).\(parts[1]).", audiences: [Self.audience])
        }
        let hs256 = Self.encode(Data(#"{"alg":"HS256","kid":"\#(authority.keyID)"}"#.utf8))
        await #expect(throws: TokenRejection.algorithm("HS256")) {
            _ = try await authority.verify("\(hs256).\(parts[1]).\(parts[2])", audiences: [Self.audience])
        }
    }

    @Test func unknownKeyIDsAreRejected() async throws {
        let stranger = try await Self.authority(pem: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
        let token = try await Self.issue(stranger)
        await #expect(throws: TokenRejection.unknownKey) { _ = try await Self.authority().verify(token, audiences: [Self.audience]) }
        await #expect(throws: TokenRejection.malformed) { _ = try await Self.authority().verify("not.a-jwt", audiences: [Self.audience]) }
    }

    @Test func theJWKSPublishesTheVerificationKey() async throws {
        let authority = try await Self.authority()
        let keys = try #require(try authority.jwks()["keys"]?.arrayValue)
        #expect(keys.count == 1)
        #expect(keys[0]["kid"]?.stringValue == authority.keyID)
        #expect(keys[0]["kty"] == "RSA" && keys[0]["alg"] == "RS256")
        let modulus = try Self.decode(#require(keys[0]["n"]?.stringValue))
        #expect(modulus.count == 256 || modulus.count == 257)
    }

    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) throws -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return try #require(Data(base64Encoded: base64))
    }
}
