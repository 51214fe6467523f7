// kura — a self-hosted encrypted container registry.
// SecretHash: how client secrets are stored (never in plaintext).

import Crypto
import Foundation
import KuraCore

/// Salted hash of a high-entropy client secret: `sha256$<salt base64>$<hash base64>` with
/// hash = SHA-256(salt ‖ secret). Secrets are generated (≥ 256 bits), so a fast hash with a
/// per-secret salt suffices; comparison is constant-time.
public enum SecretHash {
    /// A new random secret: 32 random bytes, base64url without padding (43 characters).
    public static func generateSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Data($0) }.base64URLEncodedString()
    }

    public static func make(_ secret: String) -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        return "sha256$\(salt.base64EncodedString())$\(hash(secret, salt: salt).base64EncodedString())"
    }

    /// Whether `secret` matches `stored`; false for a malformed `stored`.
    public static func verify(_ secret: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 3, parts[0] == "sha256", let salt = Data(base64Encoded: String(parts[1])),
              let expected = Data(base64Encoded: String(parts[2]))
        else { return false }
        return constantTimeEquals(hash(secret, salt: salt), expected)
    }

    private static func hash(_ secret: String, salt: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Data(secret.utf8))
        return Data(hasher.finalize())
    }
}
