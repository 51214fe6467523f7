import KuraCore
import Testing

@Suite struct ContentDigestTests {
    @Test func parsesSha256AndSha512() throws {
        let sha256 = try #require(ContentDigest("sha256:" + String(repeating: "ab", count: 32)))
        #expect(sha256.algorithm == .sha256)
        #expect(sha256.bytes == [UInt8](repeating: 0xab, count: 32))
        let sha512 = try #require(ContentDigest("sha512:" + String(repeating: "0f", count: 64)))
        #expect(sha512.algorithm == .sha512)
        #expect(sha512.description == "sha512:" + String(repeating: "0f", count: 64))
    }

    @Test(arguments: [
        "", "sha256", "sha256:", "md5:" + String(repeating: "a", count: 32),
        "sha256:" + String(repeating: "a", count: 63), "sha256:" + String(repeating: "a", count: 65),
        "sha256:" + String(repeating: "A", count: 64), "sha256:" + String(repeating: "g", count: 64),
        "SHA256:" + String(repeating: "a", count: 64), "sha256:../" + String(repeating: "a", count: 61),
    ])
    func rejectsMalformed(_ text: String) {
        #expect(ContentDigest(text) == nil)
    }

    @Test func hexRoundTrip() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        #expect(bytes.hexString == "00017f80ff")
        #expect([UInt8](hexString: "00017F80ff") == bytes)
        #expect([UInt8](hexString: "0") == nil)
        #expect([UInt8](hexString: "zz") == nil)
    }
}
