import KuraCore
import KuraRegistry
import Testing

@Suite struct RepositoryNameTests {
    @Test(arguments: ["a", "team/app", "a/b/c/d", "my-app", "my--app", "my_app", "my__app", "my.app", "a1/b2", String(repeating: "a", count: 255)])
    func acceptsNamesOfTheSpec(_ name: String) {
        #expect(RepositoryName(name)?.value == name)
    }

    @Test(arguments: ["", "A", "Team/app", "/a", "a/", "a//b", "-a", "a-", "a___b", "a..b", "a._b", "a b", "a:b",
                      String(repeating: "a", count: 256), "é"])
    func refusesEverythingElse(_ name: String) {
        #expect(RepositoryName(name) == nil)
    }

    @Test func tagsAndReferences() {
        #expect(Tag("v1.0_beta-2") != nil)
        #expect(Tag("_hidden") != nil)
        #expect(Tag("-dash") == nil)
        #expect(Tag(".dot") == nil)
        #expect(Tag(String(repeating: "a", count: 129)) == nil)
        #expect(Reference("latest") == .tag(Tag("latest")!))
        let digest = "sha256:" + String(repeating: "0", count: 64)
        #expect(Reference(digest) == .digest(ContentDigest(digest)!))
        #expect(Reference("sha256:short") == nil)
    }
}
