// kura — a self-hosted encrypted container registry.
// PasswordHash: how directory users' passwords are stored — scrypt, salted, never in plaintext.

import Crypto
import _CryptoExtras
import Foundation

/// A password chosen by a person is low-entropy, so it is stored as scrypt's slow, memory-hard
/// derivation (swift-crypto's `KDF.Scrypt`): `scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash
/// base64>`, a 16-byte random salt and a 32-byte hash. With N = 2^15, r = 8, p = 1 one check takes
/// 32 MiB and tens of milliseconds: cheap for a sign-in, dear for a guesser. Comparison is
/// constant-time; the parameters travel with the hash, so they can be raised later.
public enum PasswordHash {
    static let logRounds = 15
    static let blockSize = 8
    static let parallelism = 1
    static let hashBytes = 32

    public static func make(_ password: String) throws -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let hash = try derive(password, salt: salt, logRounds: logRounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(logRounds)$\(blockSize)$\(parallelism)$\(salt.base64EncodedString())$\(hash.base64EncodedString())"
    }

    /// Whether `password` matches `stored`; false for a malformed `stored` or parameters outside
    /// what kura writes (so a forged hash cannot ask for unbounded work).
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let logRounds = Int(parts[1]), (14...16).contains(logRounds),
              let blockSize = Int(parts[2]), blockSize == Self.blockSize, let parallelism = Int(parts[3]), parallelism == Self.parallelism,
              let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])), expected.count == hashBytes,
              let actual = try? derive(password, salt: salt, logRounds: logRounds, blockSize: blockSize, parallelism: parallelism)
        else { return false }
        return constantTimeEquals(actual, expected)
    }

    static func derive(_ password: String, salt: Data, logRounds: Int, blockSize: Int, parallelism: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: hashBytes, rounds: 1 << logRounds,
                                           blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Data($0) }
    }
}
