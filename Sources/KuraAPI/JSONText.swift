// kura — a self-hosted encrypted container registry.
// JSONText: reading and writing JSON text — the one parser (strict RFC 8259, order-keeping).

/// Why text is not one JSON value, and where.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the text.
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at \(offset): \(reason)" }
}

/// A strict JSON reader over UTF-8 bytes: objects keep member order, nesting is bounded (deeper
/// input is an error, not a stack overflow), numbers must be finite, `\u` escapes are four hex
/// digits and surrogates come in pairs.
struct JSONReader {
    let bytes: [UInt8]
    /// Deepest nesting of arrays and objects read.
    let maximumDepth: Int
    /// JSONC: comments, trailing commas and bare member names allowed.
    var lenient = false
    var index = 0
    var depth = 0

    static func value(of bytes: [UInt8], maximumDepth: Int, lenient: Bool = false) throws(JSONSyntaxError) -> JSONValue {
        var reader = JSONReader(bytes: bytes, maximumDepth: maximumDepth, lenient: lenient)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        reader.skipSpace()
        let value = try reader.value()
        reader.skipSpace()
        guard reader.index == bytes.count else { throw reader.fail("trailing characters after the value") }
        return value
    }

    func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            case UInt8(ascii: "/") where lenient && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/"):
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            case UInt8(ascii: "/") where lenient && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                let start = index
                index += 2
                while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) { index += 1 }
                // An unterminated comment runs to the end: the next read fails there, at `start`.
                guard index + 1 < bytes.count else { index = start; return }
                index += 2
            default: return
            }
        }
    }

    func peek() throws(JSONSyntaxError) -> UInt8 {
        guard index < bytes.count else { throw fail("unexpected end") }
        return bytes[index]
    }

    mutating func value() throws(JSONSyntaxError) -> JSONValue {
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maximumDepth else { throw fail("nested deeper than \(maximumDepth) levels") }
            depth += 1
            defer { depth -= 1 }
            index += 1
            return byte == UInt8(ascii: "{") ? .object(try object()) : .array(try array())
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        default: return try number()
        }
    }

    mutating func object() throws(JSONSyntaxError) -> JSONObject {
        var members = JSONObject()
        skipSpace()
        if try peek() == UInt8(ascii: "}") { index += 1; return members }
        while true {
            skipSpace()
            let key: String
            if lenient, try peek() != UInt8(ascii: "\""), Self.startsName(bytes[index]) {
                let start = index
                while index < bytes.count, Self.startsName(bytes[index]) || (0x30...0x39).contains(bytes[index]) { index += 1 }
                key = String(decoding: bytes[start..<index], as: UTF8.self)
            } else {
                guard try peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                key = try string()
            }
            skipSpace()
            guard try peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipSpace()
            members[key] = try value()
            if try closes(UInt8(ascii: "}")) { return members }
        }
    }

    /// A letter, `_` or `$`: what a bare member name starts with.
    static func startsName(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
    }

    mutating func array() throws(JSONSyntaxError) -> [JSONValue] {
        var items: [JSONValue] = []
        skipSpace()
        if try peek() == UInt8(ascii: "]") { index += 1; return items }
        while true {
            skipSpace()
            items.append(try value())
            if try closes(UInt8(ascii: "]")) { return items }
        }
    }

    /// After a member or item: `,` (false) or the closing bracket (true) — leniently also `,` and
    /// the closing bracket.
    mutating func closes(_ closing: UInt8) throws(JSONSyntaxError) -> Bool {
        skipSpace()
        let byte = try peek()
        index += 1
        if byte == UInt8(ascii: ",") {
            guard lenient else { return false }
            skipSpace()
            if index < bytes.count, bytes[index] == closing { index += 1; return true }
            return false
        }
        if byte == closing { return true }
        index -= 1
        throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
    }

    mutating func word(_ text: StaticString) throws(JSONSyntaxError) {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count,
              text.withUTF8Buffer({ expected in bytes[index..<(index + count)].elementsEqual(expected) }) else {
            throw fail("expected \(text)")
        }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; an integer that fits `Int64` stays one.
    mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        func digits(_ reader: inout JSONReader) -> Int {
            let first = reader.index
            while reader.index < reader.bytes.count, (0x30...0x39).contains(reader.bytes[reader.index]) { reader.index += 1 }
            return reader.index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let leading = index
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw fail(index == start ? "unexpected character" : "invalid number") }
        guard integerDigits == 1 || bytes[leading] != UInt8(ascii: "0") else { throw fail("invalid number (leading zero)") }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits(&self) > 0 else { throw fail("invalid number (no digits after '.')") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("invalid number (no exponent digits)") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else { throw fail("number out of range") }
        return .double(double)
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes — the bytes are the string (validated as UTF-8).
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
            index += 1
        }
        guard index < bytes.count else { throw fail("unterminated string") }
        if bytes[index] == UInt8(ascii: "\"") {
            defer { index += 1 }
            return try utf8(bytes[start..<index])
        }
        var text = try utf8(bytes[start..<index])
        while true {
            let byte = try peek()
            if byte == UInt8(ascii: "\"") { index += 1; return text }
            guard byte >= 0x20 else { throw fail("control character in string") }
            guard byte == UInt8(ascii: "\\") else {
                let runStart = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 { index += 1 }
                text += try utf8(bytes[runStart..<index])
                continue
            }
            index += 1
            let escape = try peek()
            index += 1
            switch escape {
            case UInt8(ascii: "\""): text.append("\"")
            case UInt8(ascii: "\\"): text.append("\\")
            case UInt8(ascii: "/"): text.append("/")
            case UInt8(ascii: "b"): text.append("\u{08}")
            case UInt8(ascii: "f"): text.append("\u{0C}")
            case UInt8(ascii: "n"): text.append("\n")
            case UInt8(ascii: "r"): text.append("\r")
            case UInt8(ascii: "t"): text.append("\t")
            case UInt8(ascii: "u"): text.unicodeScalars.append(try escapedScalar())
            default: index -= 1; throw fail("invalid escape")
            }
        }
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX` of its low one.
    mutating func escapedScalar() throws(JSONSyntaxError) -> Unicode.Scalar {
        let code = try hexQuad()
        switch code {
        case 0xD800...0xDBFF:
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("a high surrogate (\\u\(String(code, radix: 16))) without its low surrogate")
            }
            index += 2
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("a high surrogate followed by \\u\(String(low, radix: 16)), not a low one") }
            return Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw fail("a low surrogate (\\u\(String(code, radix: 16))) without its high surrogate")
        default:
            return Unicode.Scalar(code)!
        }
    }

    mutating func hexQuad() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var code: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            code = code << 4 | UInt32(digit)
        }
        index += 4
        return code
    }

    func utf8(_ slice: ArraySlice<UInt8>) throws(JSONSyntaxError) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
        return text
    }
}

extension JSONValue {
    /// Appends compact JSON text: members in order; `"`, `\` and control characters escaped, nothing
    /// else; an integral double keeps a `.0` so it reads back as a double; a non-finite one is `null`.
    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .integer(let number): out += String(number).utf8
        case .double(let number): out += Self.format(number).utf8
        case .string(let text): Self.quote(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (position, member) in members.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 1e16 { return String(Int64(number)) + ".0" }
        return "\(number)"
    }

    static func quote(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case ..<0x20: out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
