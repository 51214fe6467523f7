// kura — a self-hosted encrypted container registry.
// TemplateArguments: checking and converting template function arguments, and the functions' value rules.

import Crypto
import Foundation
import KuraAPI

extension TemplateEvaluator {
    static func arity<T>(_ function: String, _ arguments: [T], _ count: Int) throws(TemplateError) {
        guard arguments.count == count else { throw arityError(function, String(count)) }
    }

    static func arityError(_ function: String, _ expected: String) -> TemplateError {
        .invalid("The template function '\(function)' takes \(expected) argument(s).")
    }

    /// Names the value's JSON type, never the value (it may be a secure parameter's).
    static func typeError(_ function: String, _ expected: String, _ value: JSONValue) -> TemplateError {
        .invalid("The template function '\(function)' expects \(expected), not \(typeName(value)).")
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    static func string(_ function: String, _ value: JSONValue) throws(TemplateError) -> String {
        guard case .string(let text) = value else { throw typeError(function, "a string", value) }
        return text
    }

    static func bool(_ function: String, _ value: JSONValue) throws(TemplateError) -> Bool {
        guard case .bool(let flag) = value else { throw typeError(function, "a boolean", value) }
        return flag
    }

    static func integer(_ function: String, _ value: JSONValue) throws(TemplateError) -> Int64 {
        guard case .integer(let number) = value else { throw typeError(function, "an integer", value) }
        return number
    }

    static func array(_ function: String, _ value: JSONValue) throws(TemplateError) -> [JSONValue] {
        guard case .array(let items) = value else { throw typeError(function, "an array", value) }
        return items
    }

    /// A value as `string()` and `concat()` write it: strings as they are, anything else as JSON
    /// (refused, before it is written, when it would be too long).
    static func text(_ value: JSONValue) throws(TemplateError) -> String {
        if case .string(let text) = value { return text }
        guard value.fits(within: maximumStringBytes) else {
            throw .invalid("A value written as a string would take more than \(maximumStringBytes) bytes.")
        }
        return value.text
    }

    /// `parts` joined, refused before it is built when the result would be too long.
    static func joined(_ parts: [String], by function: String) throws(TemplateError) -> String {
        guard parts.reduce(0, { $0 + $1.utf8.count }) <= maximumStringBytes else {
            throw .invalid("The template function '\(function)' would make a string of more than \(maximumStringBytes) bytes.")
        }
        return parts.joined()
    }

    /// .NET composite formatting: `{0}`, `{1}`…, with `{{` and `}}` for braces.
    static func format(_ pattern: String, _ arguments: [JSONValue]) throws(TemplateError) -> String {
        var out = ""
        var characters = Array(pattern)[...]
        while let character = characters.popFirst() {
            switch character {
            case "{" where characters.first == "{": characters.removeFirst(); out.append("{")
            case "}" where characters.first == "}": characters.removeFirst(); out.append("}")
            case "{":
                guard let close = characters.firstIndex(of: "}"), let position = Int(String(characters[..<close])),
                      arguments.indices.contains(position) else {
                    throw .invalid("The template function 'format': '\(pattern)' names an argument that was not given.")
                }
                out += try text(arguments[position])
                guard out.utf8.count <= maximumStringBytes else {
                    throw .invalid("The template function 'format' would make a string of more than \(maximumStringBytes) bytes.")
                }
                characters = characters[characters.index(after: close)...]
            case "}": throw .invalid("The template function 'format': '\(pattern)' has a '}' without its '{'.")
            default: out.append(character)
            }
        }
        return out
    }

    /// Characters, items or members; `null` counts as empty only when `allowingNull`.
    static func count(_ function: String, _ value: JSONValue, allowingNull: Bool) throws(TemplateError) -> Int {
        switch value {
        case .string(let text): return text.count
        case .array(let items): return items.count
        case .object(let members): return members.count
        case .null where allowingNull: return 0
        default: throw typeError(function, "a string, an array or an object", value)
        }
    }

    /// A substring (case-sensitive), an item, or a member name (case-insensitive, as ARM's names).
    static func contains(_ function: String, _ container: JSONValue, _ item: JSONValue) throws(TemplateError) -> Bool {
        switch container {
        case .string(let whole): return whole.contains(try text(item))
        case .array(let items): return items.contains(item)
        case .object: return container.member(caseInsensitive: try string(function, item)) != nil
        default: throw typeError(function, "a string, an array or an object", container)
        }
    }

    /// Objects merge (later members win); arrays join without repeats.
    static func union(_ function: String, _ arguments: [JSONValue]) throws(TemplateError) -> JSONValue {
        guard arguments.count >= 2 else { throw arityError(function, "at least 2") }
        switch arguments[0] {
        case .object:
            var merged = JSONObject()
            for argument in arguments {
                guard case .object(let members) = argument else { throw typeError(function, "objects", argument) }
                for (key, value) in members { merged[key] = value }
            }
            return .object(merged)
        case .array:
            var merged: [JSONValue] = []
            for argument in arguments {
                for item in try array(function, argument) where !merged.contains(item) { merged.append(item) }
            }
            return .array(merged)
        default:
            throw typeError(function, "objects or arrays", arguments[0])
        }
    }

    static func split(_ text: String, by delimiters: [String]) -> [String] {
        var parts = [text]
        for delimiter in delimiters where !delimiter.isEmpty {
            parts = parts.flatMap { $0.components(separatedBy: delimiter) }
        }
        return parts
    }

    /// 13 lowercase characters, the same for the same arguments (as ARM's; not ARM's exact hash).
    static func uniqueString(_ arguments: [String]) -> String {
        let digest = Array(SHA256.hash(data: Data(arguments.joined(separator: "-").utf8)))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var bits = digest.prefix(9).reduce(into: [Bool]()) { result, byte in for shift in (0..<8).reversed() { result.append(byte >> shift & 1 == 1) } }
        bits = Array(bits.prefix(65))
        return String(stride(from: 0, to: 65, by: 5).map { start in
            alphabet[bits[start..<(start + 5)].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }]
        })
    }

    /// A GUID, the same for the same arguments (a name-based UUID over SHA-256, as ARM's `guid`).
    static func guid(_ arguments: [String]) -> String {
        var bytes = Array(SHA256.hash(data: Data(arguments.joined(separator: "-").utf8)).prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x50
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
