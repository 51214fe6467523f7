// kura — a self-hosted encrypted container registry.
// JMESPathLexer: expression text → tokens.

import KuraAPI
import Foundation

/// One token of an expression.
struct JMESPathToken: Equatable {
    enum Kind: Equatable {
        case unquotedIdentifier, quotedIdentifier, number, literal, eof
        case dot, star, flatten, filter, lbracket, rbracket, lbrace, rbrace, lparen, rparen, comma, colon
        case pipe, or, and, not, expref, current
        case eq, ne, lt, lte, gt, gte
    }

    let kind: Kind
    /// Identifier name, number or literal value.
    var text: String = ""
    var number: Int = 0
    var value: JSONValue = .null
    let position: Int
}

enum JMESPathLexer {
    static func tokenize(_ expression: String) throws(JMESPathError) -> [JMESPathToken] {
        let chars = Array(expression.unicodeScalars)
        var tokens: [JMESPathToken] = []
        var index = 0
        func peek(_ offset: Int = 1) -> Unicode.Scalar? { index + offset < chars.count ? chars[index + offset] : nil }
        func simple(_ kind: JMESPathToken.Kind, length: Int = 1) {
            tokens.append(JMESPathToken(kind: kind, position: index))
            index += length
        }
        while index < chars.count {
            let c = chars[index]
            switch c {
            case " ", "\t", "\n", "\r": index += 1
            case ".": simple(.dot)
            case "*": simple(.star)
            case ",": simple(.comma)
            case ":": simple(.colon)
            case "{": simple(.lbrace)
            case "}": simple(.rbrace)
            case "(": simple(.lparen)
            case ")": simple(.rparen)
            case "]": simple(.rbracket)
            case "@": simple(.current)
            case "[":
                if peek() == "]" { simple(.flatten, length: 2) } else if peek() == "?" { simple(.filter, length: 2) } else { simple(.lbracket) }
            case "|": if peek() == "|" { simple(.or, length: 2) } else { simple(.pipe) }
            case "&": if peek() == "&" { simple(.and, length: 2) } else { simple(.expref) }
            case "!": if peek() == "=" { simple(.ne, length: 2) } else { simple(.not) }
            case "<": if peek() == "=" { simple(.lte, length: 2) } else { simple(.lt) }
            case ">": if peek() == "=" { simple(.gte, length: 2) } else { simple(.gt) }
            case "=":
                guard peek() == "=" else { throw JMESPathError(.syntax, "unexpected '=' at \(index); use '=='") }
                simple(.eq, length: 2)
            case "-", "0"..."9":
                let start = index
                index += 1
                while index < chars.count, ("0"..."9").contains(chars[index]) { index += 1 }
                let text = String(String.UnicodeScalarView(chars[start..<index]))
                guard let number = Int(text) else { throw JMESPathError(.syntax, "'\(text)' is not a number at \(start)") }
                tokens.append(JMESPathToken(kind: .number, number: number, position: start))
            case "a"..."z", "A"..."Z", "_":
                let start = index
                while index < chars.count, Self.isIdentifier(chars[index]) { index += 1 }
                tokens.append(JMESPathToken(kind: .unquotedIdentifier, text: String(String.UnicodeScalarView(chars[start..<index])), position: start))
            case "\"":
                let start = index
                let body = try consume(until: "\"", in: chars, from: &index)
                guard case .string(let decoded)? = try? JSONValue(parsing: "\"" + body + "\"") else {
                    throw JMESPathError(.syntax, "invalid quoted identifier at \(start)")
                }
                tokens.append(JMESPathToken(kind: .quotedIdentifier, text: decoded, position: start))
            case "'":
                let start = index
                let body = try consume(until: "'", in: chars, from: &index).replacingOccurrences(of: "\\'", with: "'")
                tokens.append(JMESPathToken(kind: .literal, value: .string(body), position: start))
            case "`":
                let start = index
                let body = try consume(until: "`", in: chars, from: &index).replacingOccurrences(of: "\\`", with: "`")
                tokens.append(JMESPathToken(kind: .literal, value: try literal(body, at: start), position: start))
            default:
                throw JMESPathError(.syntax, "unexpected character '\(c)' at \(index)")
            }
        }
        tokens.append(JMESPathToken(kind: .eof, position: chars.count))
        return tokens
    }

    static func isIdentifier(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
    }

    /// The text between the delimiter at `index` and its unescaped closing twin; `index` ends after it.
    static func consume(until delimiter: Unicode.Scalar, in chars: [Unicode.Scalar], from index: inout Int) throws(JMESPathError) -> String {
        let start = index
        index += 1
        var body = String.UnicodeScalarView()
        while index < chars.count, chars[index] != delimiter {
            if chars[index] == "\\", index + 1 < chars.count {
                body.append(chars[index])
                index += 1
            }
            body.append(chars[index])
            index += 1
        }
        guard index < chars.count else { throw JMESPathError(.syntax, "unterminated \(delimiter) starting at \(start)") }
        index += 1
        return String(body)
    }

    /// A backtick literal: JSON, or (the legacy form) an unquoted string.
    static func literal(_ text: String, at position: Int) throws(JMESPathError) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let value = try? JSONValue(parsing: trimmed) { return value }
        if let value = try? JSONValue(parsing: "\"" + trimmed + "\"") { return value }
        throw JMESPathError(.syntax, "invalid JSON literal at \(position)")
    }
}
