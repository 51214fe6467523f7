// kura — a self-hosted encrypted container registry.
// TableLayout: az's per-command `--output table` columns (knack's `table_transformer`).

import Foundation
public import KuraAPI
import KuraJMESPath

/// The columns az picks for one command's `-o table`, each read from every result item. Applied
/// only without `--query` (as knack does), and the columns keep this order.
public struct TableLayout: Sendable {
    /// How a cell is read from an item.
    public enum Cell: Sendable {
        /// The value as is (`r['name']` in az's transformers).
        case value(String)
        /// acr's `_get_value`: Python's `str` of the value, or a space when missing or empty.
        case text(String)
        /// acr's `_format_datetime`: the time as `%Y-%m-%dT%H:%M:%SZ`, or a space.
        case date(String)
    }

    public let columns: [(header: String, cell: Cell)]

    public init(_ columns: [(header: String, cell: Cell)]) {
        self.columns = columns
    }

    /// One row per item (a `value` list or a list is unwrapped, a single object is one row).
    public func transform(_ result: JSONValue) -> JSONValue {
        var items: [JSONValue] = [result]
        if case .array(let list)? = result["value"] { items = list } else if case .array(let list) = result { items = list }
        return .array(items.map { item in .object(JSONObject(columns.map { ($0.header, Self.read($0.cell, from: item)) })) })
    }

    private static func read(_ cell: Cell, from item: JSONValue) -> JSONValue {
        func lookup(_ path: String) -> JSONValue {
            (try? JMESPath(path).search(item)) ?? .null
        }
        switch cell {
        case .value(let path):
            return lookup(path)
        case .text(let path):
            let found = lookup(path)
            switch found {
            case .null: return " "
            case .string(let text) where text.isEmpty: return " "
            case .array(let items) where items.isEmpty: return " "
            default: return .string(OutputFormat.cell(found))
            }
        case .date(let path):
            guard case .string(let text) = lookup(path), !text.isEmpty else { return " " }
            let parser = ISO8601DateFormatter()
            parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let plain = ISO8601DateFormatter()
            let trimmed = text.replacingOccurrences(of: #"(\.\d{1,3})\d*"#, with: "$1", options: .regularExpression)
            guard let date = parser.date(from: trimmed) ?? plain.date(from: trimmed) else { return .string(text) }
            return .string(plain.string(from: date))
        }
    }
}

extension TableLayout {
    /// `az group list`.
    static let resourceGroups = TableLayout([("Name", .value("name")), ("Location", .value("location")),
                                             ("Status", .value("properties.provisioningState"))])
    /// `az acr create/show/list/update`.
    static let registries = TableLayout([("NAME", .text("name")), ("RESOURCE GROUP", .text("resourceGroup")), ("LOCATION", .text("location")),
                                         ("SKU", .text("sku.name")), ("LOGIN SERVER", .text("loginServer")),
                                         ("CREATION DATE", .date("creationDate")), ("ADMIN ENABLED", .text("adminUserEnabled"))])
    /// `az acr credential show/renew`.
    static let registryCredentials = TableLayout([("USERNAME", .text("username")), ("PASSWORD", .text("passwords[0].value")),
                                                  ("PASSWORD2", .text("passwords[1].value"))])
    /// `az role assignment list`.
    static let roleAssignments = TableLayout([("Principal", .value("principalName")), ("Role", .value("roleDefinitionName")),
                                              ("Scope", .value("scope"))])
}
