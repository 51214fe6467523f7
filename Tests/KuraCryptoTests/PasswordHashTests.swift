import KuraCrypto
import Testing

/// Passwords are stored as scrypt hashes: the right password verifies, any other does not, two
/// hashes of one password differ (salt), and a forged hash cannot ask for unbounded work.
@Suite struct PasswordHashTests {
    @Test func theRightPasswordAndOnlyItVerifies() throws {
        let stored = try PasswordHash.make("Correct-horse-9")
        #expect(stored.hasPrefix("scrypt$15$8$1$") && !stored.contains("Correct-horse-9"))
        #expect(PasswordHash.verify("Correct-horse-9", against: stored))
        #expect(!PasswordHash.verify("correct-horse-9", against: stored))
        #expect(!PasswordHash.verify("", against: stored))
        #expect(try PasswordHash.make("Correct-horse-9") != stored, "each hash has its own salt")
    }

    @Test(arguments: ["", "scrypt", "sha256$a$b", "scrypt$15$8$1$!!$AAAA", "scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                      "scrypt$15$8$99$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"])
    func aMalformedOrOutOfBoundsHashNeverVerifies(_ stored: String) {
        #expect(!PasswordHash.verify("anything", against: stored))
    }
}
