// kura — a self-hosted encrypted container registry.
// CLIError: how a command fails, and the exit code az would give.

/// A failed command. Exit codes follow az: 1 service or local errors, 2 usage errors, 3 a `show`
/// of something that does not exist.
public struct CLIError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error (HTTP status, ARM/Key Vault code).
        case service(status: Int, code: String)
        /// The command line is wrong.
        case usage
        /// Anything else: not logged in, unreadable config, unreachable server.
        case local
    }

    public let kind: Kind
    public let message: String
    /// Set for a `show` that found nothing (exit 3).
    var shownMissing = false

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// This error as a `show` reports it: exit 3 when the thing does not exist.
    public func asShow() -> CLIError {
        var copy = self
        copy.shownMissing = isNotFound
        return copy
    }

    /// What stderr shows, in az's style: `ERROR: (Code) message`.
    public var description: String {
        switch kind {
        case .service(_, let code): "ERROR: (\(code)) \(message)\nCode: \(code)\nMessage: \(message)"
        case .usage, .local: "ERROR: \(message)"
        }
    }

    public var exitCode: Int32 {
        if shownMissing { return 3 }
        if case .usage = kind { return 2 }
        return 1
    }

    /// Whether the server said the thing does not exist (a `show` then exits 3).
    public var isNotFound: Bool {
        if case .service(404, _) = kind { return true }
        return false
    }
}
