// kura — a self-hosted encrypted container registry.
// OutputFormat: az's `--output json|jsonc|tsv|table|yaml|none`, with its semantics.

import Foundation
public import KuraAPI
import KuraJMESPath

/// How a command's result is printed, as az (knack) prints it:
/// - `json`/`jsonc`: indented two spaces, keys sorted (knack sorts), non-ASCII kept;
/// - `tsv`: one line per list item; an object's scalar values in key order (in result order after
///   `--query`), nested objects as empty fields and lists as their length; `true`/`false` lower-case
///   at top level, `True`/`False` inside rows (Python's `str`), null as `None`;
/// - `table`: the object's scalar members as columns (`id`, `type`, `etag` skipped, first letter
///   capitalised), one row per item, tabulate's "simple" layout;
/// - `yaml`: block style; `none`: nothing.
public enum OutputFormat: String, CaseIterable, Sendable {
    case json, jsonc, tsv, table, yaml, none

    /// The text for `value` (nil results print nothing, as az does).
    /// - Parameter queried: whether `--query` shaped the result (then key order is kept).
    public func render(_ value: JSONValue?, queried: Bool) -> String {
        guard let value, !value.isNull else { return "" }
        switch self {
        case .json, .jsonc: return Self.json(value, sorted: true, indent: "") + "\n"
        case .tsv: return Self.tsv(value, queried: queried)
        case .table: return Self.table(value, sorted: !queried)
        case .yaml: return Self.yaml(value, indent: "", sorted: true)
        case .none: return ""
        }
    }

    // MARK: JSON

    static func json(_ value: JSONValue, sorted: Bool, indent: String) -> String {
        let inner = indent + "  "
        switch value {
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + json($0, sorted: sorted, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let ordered = sorted ? members.sorted { $0.key < $1.key } : Array(members)
            return "{\n" + ordered.map { inner + JSONValue.string($0.key).text + ": " + json($0.value, sorted: sorted, indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return value.text
        }
    }

    // MARK: TSV

    static func tsv(_ value: JSONValue, queried: Bool) -> String {
        let rows: [JSONValue] = if case .array(let items) = value { items } else { [value] }
        return rows.map { row -> String in
            switch row {
            case .object(let members):
                let ordered = queried ? Array(members) : members.sorted { $0.key < $1.key }
                return ordered.map { cell($0.value) }.joined(separator: "\t")
            case .array(let items): return items.map(cell).joined(separator: "\t")
            case .bool(let flag): return flag ? "true" : "false"
            default: return cell(row)
            }
        }.map { $0 + "\n" }.joined()
    }

    /// One TSV field, as Python's `str` prints it.
    static func cell(_ value: JSONValue) -> String {
        switch value {
        case .null: "None"
        case .bool(let flag): flag ? "True" : "False"
        case .string(let text): text
        case .array(let items): String(items.count)
        case .object: ""
        case .integer, .double: value.text
        }
    }

    // MARK: Table

    static func table(_ value: JSONValue, sorted: Bool) -> String {
        let items: [JSONValue] = if case .array(let list) = value { list } else { [value] }
        var columns: [String] = []
        var rows: [[String: String]] = []
        for item in items {
            var row: [String: String] = [:]
            switch item {
            case .object(let members):
                for member in (sorted ? members.sorted { $0.key < $1.key } : Array(members)) where !["id", "type", "etag"].contains(member.key) {
                    switch member.value {
                    case .null, .array, .object: continue
                    default:
                        let header = member.key.prefix(1).uppercased() + member.key.dropFirst()
                        if !columns.contains(header) { columns.append(header) }
                        row[header] = cell(member.value)
                    }
                }
            case .array(let list):
                for (index, element) in list.enumerated() {
                    let header = "Column\(index + 1)"
                    if !columns.contains(header) { columns.append(header) }
                    row[header] = cell(element)
                }
            default:
                if !columns.contains("Result") { columns.append("Result") }
                row["Result"] = cell(item)
            }
            rows.append(row)
        }
        guard !columns.isEmpty else { return "" }
        // tabulate's "simple" layout: a header gets at least two columns of padding.
        let widths = columns.map { column in max(column.count + 2, rows.map { ($0[column] ?? "").count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = line(columns) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { out += line(columns.map { row[$0] ?? "" }) + "\n" }
        return out
    }

    // MARK: YAML

    static func yaml(_ value: JSONValue, indent: String, sorted: Bool) -> String {
        switch value {
        case .object(let members):
            guard !members.isEmpty else { return indent + "{}\n" }
            var out = ""
            for member in (sorted ? members.sorted { $0.key < $1.key } : Array(members)) {
                let key = yamlScalar(.string(member.key))
                switch member.value {
                case .object(let nested) where !nested.isEmpty: out += indent + key + ":\n" + yaml(member.value, indent: indent + "  ", sorted: sorted)
                case .array(let nested) where !nested.isEmpty: out += indent + key + ":\n" + yaml(member.value, indent: indent, sorted: sorted)
                default: out += indent + key + ": " + yamlScalar(member.value) + "\n"
                }
            }
            return out
        case .array(let items):
            guard !items.isEmpty else { return indent + "[]\n" }
            var out = ""
            for item in items {
                switch item {
                case .object(let nested) where !nested.isEmpty:
                    let body = yaml(item, indent: indent + "  ", sorted: sorted)
                    out += indent + "- " + body.dropFirst(indent.count + 2)
                case .array(let nested) where !nested.isEmpty:
                    let body = yaml(item, indent: indent + "  ", sorted: sorted)
                    out += indent + "- " + body.dropFirst(indent.count + 2)
                default:
                    out += indent + "- " + yamlScalar(item) + "\n"
                }
            }
            return out
        default:
            return indent + yamlScalar(value) + "\n"
        }
    }

    static func yamlScalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .integer, .double: return value.text
        case .array: return "[]"
        case .object: return "{}"
        case .string(let text):
            let plain = text.range(of: #"^[A-Za-z_/.][A-Za-z0-9_./:@-]*$"#, options: .regularExpression) != nil
                && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
            return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }
}
