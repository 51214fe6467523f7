// kura — a self-hosted encrypted container registry.
// TemplateExpression: ARM's template expression language — `[function(args).member[index]]`.

public import KuraAPI

/// One parsed template expression. A JSON string is an expression when it starts with `[` and
/// ends with `]`; `[[` starts a literal string instead (the first `[` dropped).
public indirect enum TemplateExpression: Sendable, Equatable {
    /// A string (`'it''s'`) or an integer.
    case literal(JSONValue)
    /// `name(arguments…)`; names compare without case.
    case call(String, [TemplateExpression])
    /// `base.name`.
    case member(TemplateExpression, String)
    /// `base[index]`.
    case index(TemplateExpression, TemplateExpression)

    /// What a JSON string means: an expression, or a literal when it is not one.
    public static func of(_ text: String) throws(TemplateError) -> TemplateExpression {
        guard text.hasPrefix("["), text.hasSuffix("]"), text.count >= 2 else { return .literal(.string(text)) }
        if text.hasPrefix("[[") { return .literal(.string(String(text.dropFirst()))) }
        var parser = TemplateExpressionParser(Array(String(text.dropFirst().dropLast()).unicodeScalars), source: text)
        parser.skipSpace()
        let expression = try parser.expression()
        parser.skipSpace()
        guard parser.atEnd else { throw parser.fail("unexpected '\(parser.current)'") }
        return expression
    }
}

/// A recursive-descent parser over one expression's characters.
struct TemplateExpressionParser {
    let scalars: [Unicode.Scalar]
    let source: String
    var index = 0
    var depth = 0

    init(_ scalars: [Unicode.Scalar], source: String) {
        self.scalars = scalars
        self.source = source
    }

    var atEnd: Bool { index >= scalars.count }
    var current: Character { atEnd ? " " : Character(scalars[index]) }

    func fail(_ reason: String) -> TemplateError {
        // `index` counts from after the opening `[`; the position counts the quoted text's characters from 1.
        .invalid("The template language expression '\(source)' is not valid: \(reason) at position \(index + 2).")
    }

    mutating func skipSpace() {
        while !atEnd, scalars[index].properties.isWhitespace { index += 1 }
    }

    mutating func expression() throws(TemplateError) -> TemplateExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw fail("nested too deeply") }
        var result = try primary()
        var steps = 0
        while true {
            steps += 1
            guard steps <= 64 else { throw fail("more than 64 member or index steps in a row") }
            skipSpace()
            if !atEnd, scalars[index] == "." {
                index += 1
                skipSpace()
                let name = identifier()
                guard !name.isEmpty else { throw fail("a member name must follow '.'") }
                result = .member(result, name)
            } else if !atEnd, scalars[index] == "[" {
                index += 1
                skipSpace()
                let position = try expression()
                skipSpace()
                guard !atEnd, scalars[index] == "]" else { throw fail("expected ']'") }
                index += 1
                result = .index(result, position)
            } else {
                return result
            }
        }
    }

    mutating func primary() throws(TemplateError) -> TemplateExpression {
        skipSpace()
        guard !atEnd else { throw fail("an expression is missing") }
        let character = scalars[index]
        if character == "'" { return .literal(.string(try stringLiteral())) }
        if character == "-" || ("0"..."9").contains(character) { return .literal(try number()) }
        let name = identifier()
        guard !name.isEmpty else { throw fail("unexpected '\(current)'") }
        skipSpace()
        guard !atEnd, scalars[index] == "(" else { throw fail("'\(name)' must be called: \(name)(…)") }
        index += 1
        var arguments: [TemplateExpression] = []
        skipSpace()
        if !atEnd, scalars[index] == ")" { index += 1; return .call(name, arguments) }
        while true {
            arguments.append(try expression())
            skipSpace()
            guard !atEnd else { throw fail("expected ')'") }
            if scalars[index] == "," { index += 1; continue }
            guard scalars[index] == ")" else { throw fail("expected ',' or ')'") }
            index += 1
            return .call(name, arguments)
        }
    }

    mutating func identifier() -> String {
        let start = index
        while !atEnd, scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index]) || scalars[index] == "_"
                || scalars[index] == "$" {
            index += 1
        }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }

    /// `'…'`, a quote written twice.
    mutating func stringLiteral() throws(TemplateError) -> String {
        index += 1
        var text = String.UnicodeScalarView()
        while true {
            guard !atEnd else { throw fail("a string is not closed") }
            let character = scalars[index]
            index += 1
            if character == "'" {
                if !atEnd, scalars[index] == "'" { text.append("'"); index += 1; continue }
                return String(text)
            }
            text.append(character)
        }
    }

    mutating func number() throws(TemplateError) -> JSONValue {
        let start = index
        if scalars[index] == "-" { index += 1 }
        while !atEnd, ("0"..."9").contains(scalars[index]) { index += 1 }
        guard let value = Int64(String(String.UnicodeScalarView(scalars[start..<index]))) else { throw fail("not an integer") }
        return .integer(value)
    }
}
