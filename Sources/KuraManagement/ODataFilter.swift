// kura — a self-hosted encrypted container registry.
// ODataFilter: the small subset of OData `$filter` ARM list calls use.

import Foundation

/// A parsed `$filter`: clauses joined by `and`. Supported clauses, as az and the SDKs send them:
/// `field eq 'value'`, `atScope()`, `assignedTo('objectId')`.
public struct ODataFilter: Equatable, Sendable {
    public enum Clause: Equatable, Sendable {
        /// `field eq 'value'`; the field name is lower-cased.
        case equals(field: String, value: String)
        case atScope
        case assignedTo(String)
    }

    public let clauses: [Clause]

    /// Parses `text`; nil text or empty text is the empty filter.
    /// - Throws: ``ManagementError`` `InvalidFilterInQueryString` for anything else.
    public init(_ text: String?) throws {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            clauses = []
            return
        }
        var result: [Clause] = []
        for part in Self.split(text) {
            let clause = part.trimmingCharacters(in: .whitespaces)
            let lowered = clause.lowercased()
            if lowered == "atscope()" {
                result.append(.atScope)
            } else if lowered.hasPrefix("assignedto("), let value = Self.quoted(clause.dropFirst("assignedTo(".count).dropLast()) {
                result.append(.assignedTo(value))
            } else if let eq = lowered.range(of: " eq ") {
                let field = String(lowered[..<eq.lowerBound]).trimmingCharacters(in: .whitespaces)
                let offset = lowered.distance(from: lowered.startIndex, to: eq.upperBound)
                guard let value = Self.quoted(clause.dropFirst(offset)) else { throw Self.invalid(text) }
                result.append(.equals(field: field, value: value))
            } else {
                throw Self.invalid(text)
            }
        }
        clauses = result
    }

    /// The value of `field eq '…'`, if the filter has one.
    public func value(of field: String) -> String? {
        for case .equals(let name, let value) in clauses where name == field.lowercased() { return value }
        return nil
    }

    public var hasAtScope: Bool { clauses.contains(.atScope) }

    static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var inQuote = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "'" { inQuote.toggle() }
            if !inQuote, text[index...].lowercased().hasPrefix(" and ") {
                parts.append(current)
                current = ""
                index = text.index(index, offsetBy: 5)
                continue
            }
            current.append(character)
            index = text.index(after: index)
        }
        parts.append(current)
        return parts
    }

    /// `'value'` (with `''` as an escaped quote) → value.
    static func quoted(_ text: Substring) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("'"), trimmed.hasSuffix("'") else { return nil }
        return String(trimmed.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
    }

    static func invalid(_ text: String) -> ManagementError {
        ManagementError(status: 400, code: "InvalidFilterInQueryString", "The $filter '\(text)' is not supported.")
    }
}
