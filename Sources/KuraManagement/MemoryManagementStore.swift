// kura — a self-hosted encrypted container registry.
// MemoryManagementStore: ARM resources in memory, for tests (same contract as the SQL store).

import KuraAPI
public import KuraCore

/// ``ManagementStore`` in memory, with the SQL store's rows, keys, case rules and orderings.
/// Text matches by its UTF-8 bytes and sorts in byte order, as SQL's `=` and `ORDER BY` do.
/// Every method is synchronous on the actor, so each check and its change are one step.
public actor MemoryManagementStore: ManagementStore {
    /// A `resources` row: the id as first written with its lower-cased key and parts, the document as JSON text.
    private struct Row {
        var idKey: String
        var id: String
        var subscriptionID: String
        var resourceGroupKey: String
        var typeKey: String
        var nameKey: String
        var document: String
        var createdAt: Int64
        var updatedAt: Int64

        init(_ resource: ResourceRecord) {
            idKey = resource.id.key
            id = resource.id.description
            subscriptionID = resource.id.subscription.lowercased()
            resourceGroupKey = resource.id.resourceGroup?.nameKey ?? ""
            typeKey = resource.id.type.lowercased()
            nameKey = resource.id.name.nameKey
            document = Row.text(resource.document)
            createdAt = resource.createdAt
            updatedAt = resource.updatedAt
        }

        static func text(_ document: JSONValue) -> String { String(decoding: document.serialized(), as: UTF8.self) }

        /// Whether this is the version `expected` of its resource.
        func isVersion(_ expected: ResourceRecord) -> Bool {
            idKey.sameBytes(expected.id.key) && updatedAt == expected.updatedAt && createdAt == expected.createdAt
        }

        func record() throws -> ResourceRecord {
            guard let parsed = ResourceID(parsing: id) else { throw StoreError(.unavailable, "stored resource id '\(id)' is malformed") }
            return ResourceRecord(id: parsed, document: try JSONValue(parsing: Array(document.utf8)), createdAt: createdAt,
                                  updatedAt: updatedAt)
        }
    }

    private var rows: [Row] = []

    public init() {}

    /// Creates the resource, or replaces the document and `updatedAt` of the one with its id
    /// (which keeps its id as first written and its `createdAt`).
    public func putResource(_ resource: ResourceRecord) {
        if let index = index(of: resource.id) {
            rows[index].document = Row.text(resource.document)
            rows[index].updatedAt = resource.updatedAt
        } else {
            rows.append(Row(resource))
        }
    }

    public func insertResource(_ resource: ResourceRecord) -> Bool {
        guard index(of: resource.id) == nil else { return false }
        rows.append(Row(resource))
        return true
    }

    /// Replaces the document and `updatedAt` of the row that is still `expected` (found by
    /// `expected`'s id; `resource`'s id is not looked at).
    public func replaceResource(_ resource: ResourceRecord, expected: ResourceRecord) -> Bool {
        guard let index = rows.firstIndex(where: { $0.isVersion(expected) }) else { return false }
        rows[index].document = Row.text(resource.document)
        rows[index].updatedAt = resource.updatedAt
        return true
    }

    public func deleteResource(_ expected: ResourceRecord) -> Bool {
        guard let index = rows.firstIndex(where: { $0.isVersion(expected) }) else { return false }
        rows.remove(at: index)
        return true
    }

    public func resource(id: ResourceID) throws -> ResourceRecord? {
        try index(of: id).map { try rows[$0].record() }
    }

    /// By id key.
    public func resources(type: String?, subscription: String, resourceGroup: String?) throws -> [ResourceRecord] {
        let subscription = subscription.lowercased(), type = type?.lowercased(), group = resourceGroup?.nameKey
        return try records { row in
            row.subscriptionID.sameBytes(subscription) && (type.map { row.typeKey.sameBytes($0) } ?? true)
                && (group.map { row.resourceGroupKey.sameBytes($0) } ?? true)
        }
    }

    /// By id key.
    public func resources(type: String, named name: String) throws -> [ResourceRecord] {
        let type = type.lowercased(), name = name.nameKey
        return try records { $0.typeKey.sameBytes(type) && $0.nameKey.sameBytes(name) }
    }

    @discardableResult
    public func deleteResource(id: ResourceID) -> Bool {
        guard let index = index(of: id) else { return false }
        rows.remove(at: index)
        return true
    }

    private func index(of id: ResourceID) -> Int? {
        let key = id.key
        return rows.firstIndex { $0.idKey.sameBytes(key) }
    }

    private func records(where matches: (Row) -> Bool) throws -> [ResourceRecord] {
        try rows.filter(matches).sorted { $0.idKey.bytesPrecede($1.idKey) }.map { try $0.record() }
    }
}
