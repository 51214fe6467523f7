import Foundation
import KuraS3
import Testing

/// The signer against botocore's `S3SigV4Auth` (AWS's own Python signer): 600 requests from
/// `scripts/sigv4-reference` — methods, keys with every kind of byte, query names and values that
/// need encoding, header values to fold (tabs, runs, control and combining characters, non-ASCII,
/// empty) and names given twice, bodies signed and `UNSIGNED-PAYLOAD`, session tokens, default and
/// other ports, IPv6 and upper-case hosts, fractional seconds from 1970 to 2999 — each signed the
/// same to the byte: canonical request, string to sign, headers.
@Suite struct SigV4SignerTests {
    struct Fixture: Decodable {
        let signer: String
        let cases: [Case]
    }

    struct Case: Decodable {
        let method, scheme, host, key, path, body, accessKeyId, secretAccessKey, region: String
        let port: Int?
        let query: [[String]]
        let headers: [[String]]
        let unsignedPayload: Bool
        let sessionToken: String?
        let time: Double
        let expected: Expected
    }

    struct Expected: Decodable {
        let canonicalRequest, stringToSign: String
        let headers: [String: String]
    }

    static func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sigv4-botocore.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func everyRequestIsSignedAsBotocoreSignsIt() throws {
        let fixture = try Self.fixture()
        var matched = 0
        for (index, reference) in fixture.cases.enumerated() {
            #expect(SigV4Signer.encodedPath(reference.key) == reference.path, "case \(index): the key's path")
            let body = try #require(Data(base64Encoded: reference.body), "case \(index): its body")
            let request = S3Request(method: reference.method, scheme: reference.scheme, host: reference.host, port: reference.port,
                                    rawPath: reference.key,
                                    query: reference.query.map { ($0[0], $0[1]) }, headers: reference.headers.map { ($0[0], $0[1]) },
                                    payloadHash: reference.unsignedPayload ? SigV4Signer.unsignedPayload : SigV4Signer.payloadHash(of: body))
            let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: reference.accessKeyId, secretAccessKey: reference.secretAccessKey,
                                                                sessionToken: reference.sessionToken), region: reference.region)
            #expect(request.path == reference.path)
            let signature = signer.sign(request, at: Date(timeIntervalSince1970: reference.time))
            #expect(signature.canonicalRequest == reference.expected.canonicalRequest, "case \(index): canonical request")
            #expect(signature.stringToSign == reference.expected.stringToSign, "case \(index): string to sign")
            #expect(Set(signature.headers.map(\.name)).count == signature.headers.count, "case \(index): each added header once")
            let headers = Dictionary(signature.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            #expect(headers == reference.expected.headers, "case \(index): headers")
            if headers == reference.expected.headers { matched += 1 }
        }
        #expect(matched == fixture.cases.count && matched >= 600)
        print("SigV4: \(matched)/\(fixture.cases.count) requests signed as \(fixture.signer) signs them")
    }

    @Test func pathsAndQueriesAreEncodedByteByByteAndNeverNormalized() {
        #expect(SigV4Signer.encodedPath("/b/a b+c=d/ü/../x//y~") == "/b/a%20b%2Bc%3Dd/%C3%BC/../x//y~")
        #expect(SigV4Signer.encoded("a/b c~") == "a%2Fb%20c~")
        let request = S3Request(method: "GET", scheme: "HTTPS", host: "S3.Example", port: 443, rawPath: "", query: [("b", "2"), ("a", "z"), ("a", "")],
                                payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(request.canonicalQuery == "a=&a=z&b=2" && request.hostHeader == "s3.example" && request.path == "/")
        #expect(S3Request(method: "GET", scheme: "http", host: "::1", port: 19000, rawPath: "k", payloadHash: SigV4Signer.emptyPayloadHash)
            .hostHeader == "[::1]:19000")
    }

    @Test func theSignersOwnHeadersAreSignedAndSentOnceWhateverTheCallerGave() {
        let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "T"), region: "us-east-1")
        let plain = S3Request(method: "PUT", scheme: "https", host: "s3.example", rawPath: "/b/k", payloadHash: SigV4Signer.unsignedPayload)
        var crowded = plain
        crowded.headers = [("Host", "elsewhere.example"), ("X-Amz-Date", "19700101T000000Z"), ("x-amz-content-sha256", "0"),
                           ("X-Amz-Security-Token", "other"), ("Date", "Thu, 01 Jan 1970 00:00:00 GMT"), ("Authorization", "x")]
        let date = Date(timeIntervalSince1970: 1_800_000_000.75)
        #expect(signer.sign(crowded, at: date).canonicalRequest == signer.sign(plain, at: date).canonicalRequest)
        #expect(crowded.ownHeaders.isEmpty)
        #expect(signer.sign(plain, at: date).headers.first { $0.name == "X-Amz-Date" }?.value == "20270115T080000Z")
    }
}
