// kura — a self-hosted encrypted container registry.
// JMESPathError: the error kinds the JMESPath specification names.

/// A failed compile or search, of one of the kinds the compliance suite checks.
public struct JMESPathError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case syntax, invalidArity = "invalid-arity", invalidType = "invalid-type", invalidValue = "invalid-value"
        case unknownFunction = "unknown-function"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
