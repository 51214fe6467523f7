// kura — a self-hosted encrypted container registry.
// CryptoFailure: why a cryptographic operation refused.

/// A cryptographic refusal. `integrity` means the bytes were modified, truncated, reordered or
/// belong elsewhere: callers must treat the object as unreadable and return none of its bytes.
public enum CryptoFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// Authentication failed or the structure is inconsistent.
    case integrity(String)
    /// The format version or a parameter is not one this build understands.
    case unsupported(String)

    public var description: String {
        switch self {
        case .integrity(let message): "integrity check failed: \(message)"
        case .unsupported(let message): "unsupported: \(message)"
        }
    }
}
