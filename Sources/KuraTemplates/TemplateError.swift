// kura — a self-hosted encrypted container registry.
// TemplateError: why a template cannot be deployed, as ARM says it (`InvalidTemplate`).

/// A template refused: ARM's code and a message that names what is wrong and where (the
/// management plane answers it as `{"error": {"code", "message"}}`, which az prints as is).
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `InvalidTemplate`.
    public let code: String
    public let message: String

    public var description: String { "\(code): \(message)" }

    /// The template (its text, an expression, a parameter, a resource) is wrong.
    public static func invalid(_ message: String) -> TemplateError { TemplateError(code: "InvalidTemplate", message: message) }
}
