@testable import KuraCLI
import Testing

/// The command line as typed or pasted: typographic dashes in option names.
@Suite struct GlobalOptionsTests {
    @Test func optionsWithTypographicDashesReadAsDoubleDashes() {
        let (arguments, repaired) = KuraCommandLine.repairingTypographicDashes(
            ["keyvault", "key", "create", "\u{2013}-name", "k", "\u{2014}vault-name", "v", "\u{2013}g", "rg"])
        #expect(arguments == ["keyvault", "key", "create", "--name", "k", "--vault-name", "v", "-g", "rg"])
        #expect(repaired.map(\.0) == ["\u{2013}-name", "\u{2014}vault-name", "\u{2013}g"])
    }

    @Test func valuesAndPlainOptionsAreLeftAlone() {
        let line = ["--name", "k", "-o", "tsv", "--query", "[?a=='\u{2013}-x']", "\u{2013}", "\u{2013}5", "a\u{2013}-b", "-\u{2013}-triple"]
        let (arguments, repaired) = KuraCommandLine.repairingTypographicDashes(line)
        #expect(arguments == line && repaired.isEmpty)
    }
}
