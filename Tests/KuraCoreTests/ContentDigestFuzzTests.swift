import Foundation
import KuraCore
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): digests and hex on random and mutated text. Each is checked against an
/// independent oracle (a regular expression of the grammar) and must round-trip.
@Suite struct ContentDigestFuzzTests {
    static let seeds = [
        "sha256:" + String(repeating: "0123456789abcdef", count: 4),
        "sha512:" + String(repeating: "0123456789abcdef", count: 8),
        "sha256:" + String(repeating: "A", count: 64),
        "sha384:" + String(repeating: "a", count: 96),
        "SHA256:" + String(repeating: "a", count: 64),
        "sha256:" + String(repeating: "a", count: 63),
        "sha256:" + String(repeating: "a", count: 65),
        "sha256:",
        ":" + String(repeating: "a", count: 64),
    ]

    static func matches(_ grammar: NSRegularExpression, _ text: String) -> Bool {
        grammar.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test func digestsParseExactlyTheirGrammarAndRoundTrip() throws {
        let grammar = try NSRegularExpression(pattern: #"\A(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})\z"#)
        var fuzz = FuzzRun("digest (ContentDigest.init)", seed: 0xD1_6E57, tokens: FuzzRun.tokens + ["a", "f", "g", "A", "0"])
        for _ in 0..<fuzz.cases {
            let text = fuzz.string(seeds: Self.seeds, maxLength: 300)
            fuzz.trace(text)
            let digest = ContentDigest(text)
            fuzz.check((digest != nil) == Self.matches(grammar, text),
                       "ContentDigest(\(FuzzRun.quoted(text))) is \(digest?.description ?? "nil"), the grammar says otherwise")
            guard let digest else { fuzz.reject(); continue }
            fuzz.accept()
            fuzz.check(digest.description == text && ContentDigest(digest.description) == digest, "\(FuzzRun.quoted(text)) does not round-trip")
            fuzz.check(digest.bytes.count == digest.algorithm.byteCount && digest.bytes.hexString == digest.hex,
                       "\(FuzzRun.quoted(text)): bytes and hex disagree")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    @Test func hexDecodesExactlyPairsOfHexDigitsAndRoundTrips() throws {
        let grammar = try NSRegularExpression(pattern: #"\A([0-9a-fA-F]{2})*\z"#)
        var fuzz = FuzzRun("hex ([UInt8](hexString:))", seed: 0x4E_E7, tokens: FuzzRun.tokens + ["a", "F", "g", "0"])
        for _ in 0..<fuzz.cases {
            let text = fuzz.string(seeds: ["00ff7fA0", "0123456789abcdefABCDEF", "0", "zz", ""], maxLength: 200)
            fuzz.trace(text)
            let bytes = [UInt8](hexString: text)
            fuzz.check((bytes != nil) == Self.matches(grammar, text), "hex \(FuzzRun.quoted(text)) decodes to \(bytes?.description ?? "nil")")
            guard let bytes else { fuzz.reject(); continue }
            fuzz.accept()
            fuzz.check(bytes.hexString == text.lowercased(), "hex \(FuzzRun.quoted(text)) does not round-trip")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }
}
