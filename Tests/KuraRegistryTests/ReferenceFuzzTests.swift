import Foundation
import KuraCore
import KuraRegistry
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): OCI repository names, tags and manifest references on random and mutated
/// text, each against the distribution spec's regular expression as an independent oracle.
@Suite struct ReferenceFuzzTests {
    static let digest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
    static let names = ["team/app", "a", "a/b/c/d", "my-app", "my--app", "my_app", "my__app", "my.app", "a0/b1.c2_d3__e4-f5",
                        String(repeating: "a", count: 255), String(repeating: "ab/", count: 85) + "c", "Team/App", "a//b", "/a",
                        "a/", "a___b", "a._b", "-a", "a-", "_catalog"]
    static let tags = ["latest", "v1.2.3", "_x", "V1-rc.1__b", String(repeating: "t", count: 128), String(repeating: "t", count: 129),
                       ".hidden", "-x", "a:b", digest]
    static let words = FuzzRun.tokens + ["a", "Z", "0", ".", "_", "__", "-", "---", "/", "sha256:", digest]

    static func matches(_ grammar: NSRegularExpression, _ text: String) -> Bool {
        grammar.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test func repositoryNamesParseExactlyTheSpecGrammar() throws {
        let component = #"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"#
        let grammar = try NSRegularExpression(pattern: #"\A"# + component + "(?:/" + component + #")*\z"#)
        var fuzz = FuzzRun("repository name (RepositoryName.init)", seed: 0x4E_414D45, tokens: Self.words)
        for _ in 0..<fuzz.cases {
            let text = fuzz.string(seeds: Self.names, maxLength: 300)
            fuzz.trace(text)
            let name = RepositoryName(text)
            let expected = text.utf8.count <= 255 && Self.matches(grammar, text)
            fuzz.check((name != nil) == expected, "RepositoryName(\(FuzzRun.quoted(text))) is \(name?.value ?? "nil"); the spec says \(expected)")
            guard let name else { fuzz.reject(); continue }
            fuzz.accept()
            fuzz.check(name.value == text && RepositoryName(name.description) == name, "\(FuzzRun.quoted(text)) does not round-trip")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    @Test func referencesAreATagOrADigestAndRoundTrip() throws {
        let tagGrammar = try NSRegularExpression(pattern: #"\A[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\z"#)
        let digestGrammar = try NSRegularExpression(pattern: #"\A(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})\z"#)
        var fuzz = FuzzRun("manifest reference (Reference.init, Tag.init)", seed: 0x5245_46, tokens: Self.words)
        for _ in 0..<fuzz.cases {
            let text = fuzz.string(seeds: Self.tags, maxLength: 300)
            fuzz.trace(text)
            let tag = Tag(text)
            fuzz.check((tag != nil) == Self.matches(tagGrammar, text), "Tag(\(FuzzRun.quoted(text))) is \(tag?.value ?? "nil")")
            let reference = Reference(text)
            // A tag never holds ':' and a digest always does, so the two grammars cannot both match.
            let expected = Self.matches(tagGrammar, text) || Self.matches(digestGrammar, text)
            fuzz.check((reference != nil) == expected, "Reference(\(FuzzRun.quoted(text))) is \(reference?.description ?? "nil"); the spec says \(expected)")
            guard let reference else { fuzz.reject(); continue }
            fuzz.accept()
            fuzz.check(reference.description == text && Reference(reference.description) == reference, "\(FuzzRun.quoted(text)) does not round-trip")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }
}
