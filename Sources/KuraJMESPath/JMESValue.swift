// kura — a self-hosted encrypted container registry.
// JMESValue: JSON with object members in document order (what JMESPath and az's output preserve).

import Foundation

/// A JSON value whose objects keep their members in document order. JMESPath results
/// (`foo.*`, `keys(@)`, `values(@)`) and az's output follow the order the server wrote.
public enum JMESValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JMESValue])
    case object([(key: String, value: JMESValue)])

    public static func == (lhs: JMESValue, rhs: JMESValue) -> Bool { JMESPathInterpreter.equal(lhs, rhs) }

    /// The member `key` of an object.
    public subscript(key: String) -> JMESValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// Parses JSON text, keeping object member order (a later duplicate key replaces the value in place).
    /// - Throws: ``JMESPathError`` `syntax` when the text is not one JSON value.
    public init(parsing text: String) throws(JMESPathError) {
        var reader = JSONReader(Array(text.utf8))
        reader.skipSpace()
        self = try reader.value()
        reader.skipSpace()
        guard reader.atEnd else { throw JMESPathError(.syntax, "trailing characters after JSON at \(reader.index)") }
    }

    /// Compact JSON text, members in order.
    public func serialized() -> String {
        switch self {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): String(number)
        case .double(let number): Self.format(number)
        case .string(let text): Self.quote(text)
        case .array(let items): "[" + items.map { $0.serialized() }.joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { Self.quote($0.key) + ":" + $0.value.serialized() }.joined(separator: ",") + "}"
        }
    }

    static func format(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 1e16 { return String(format: "%.1f", number) }
        return "\(number)"
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// A small strict JSON reader (RFC 8259) that keeps object order.
struct JSONReader {
    let bytes: [UInt8]
    var index = 0
    /// Arrays and objects open around the current position.
    var depth = 0
    /// Deepest nesting read (as Foundation's parser): deeper input is an error, not a stack overflow.
    static let maximumDepth = 512

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    func fail(_ message: String) -> JMESPathError { JMESPathError(.syntax, "invalid JSON at \(index): \(message)") }

    mutating func value() throws(JMESPathError) -> JMESValue {
        guard index < bytes.count else { throw fail("unexpected end") }
        let opensContainer = bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[")
        if opensContainer {
            guard depth < Self.maximumDepth else { throw fail("nested deeper than \(Self.maximumDepth) levels") }
            depth += 1
        }
        defer { if opensContainer { depth -= 1 } }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: String, value: JMESValue)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try string()
                skipSpace()
                try expect(":")
                skipSpace()
                let member = try value()
                if let existing = members.firstIndex(where: { $0.key == key }) { members[existing].value = member } else { members.append((key, member)) }
                skipSpace()
                if try separator("}") { return .object(members) }
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JMESValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value())
                skipSpace()
                if try separator("]") { return .array(items) }
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        default: return try number()
        }
    }

    /// After a member or item: `,` (false) or the closing bracket (true).
    mutating func separator(_ closing: Character) throws(JMESPathError) -> Bool {
        guard index < bytes.count else { throw fail("unexpected end") }
        if bytes[index] == UInt8(ascii: ",") { index += 1; return false }
        if bytes[index] == UInt8(ascii: closing.unicodeScalars.first!) { index += 1; return true }
        throw fail("expected ',' or '\(closing)'")
    }

    mutating func expect(_ character: Character) throws(JMESPathError) {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character.unicodeScalars.first!) else { throw fail("expected '\(character)'") }
        index += 1
    }

    mutating func word(_ text: String) throws(JMESPathError) {
        let expected = Array(text.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else { throw fail("expected \(text)") }
        index += expected.count
    }

    mutating func number() throws(JMESPathError) -> JMESValue {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        var isInteger = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
                        || (byte == UInt8(ascii: "-") && index > start) {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !text.isEmpty, text != "-", text.range(of: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"#, options: .regularExpression) != nil else {
            throw fail("invalid number '\(text)'")
        }
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text) else { throw fail("invalid number '\(text)'") }
        return .double(double)
    }

    mutating func string() throws(JMESPathError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var pendingHigh: UInt32?
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; break }
            if byte < 0x20 { throw fail("control character in string") }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count else { throw fail("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                        throw fail("invalid \\u escape")
                    }
                    index += 4
                    if (0xD800...0xDBFF).contains(code) {
                        pendingHigh = code
                        continue
                    }
                    if (0xDC00...0xDFFF).contains(code), let high = pendingHigh {
                        let combined = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                        scalars.append(Unicode.Scalar(combined)!)
                        pendingHigh = nil
                        continue
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: throw fail("invalid escape")
                }
                pendingHigh = nil
                continue
            }
            // A UTF-8 sequence: decode it whole.
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            guard index + length <= bytes.count else { throw fail("truncated UTF-8") }
            for scalar in String(decoding: bytes[index..<(index + length)], as: UTF8.self).unicodeScalars { scalars.append(scalar) }
            index += length
        }
        return String(scalars)
    }
}
