// kura — a self-hosted encrypted container registry.
// JSONObject: a JSON object's members, in order, looked up by name.

/// The members of a JSON object: unique names, kept in the order they were first set (reading,
/// literal or assignment order), with dictionary-speed lookup. Setting an existing member replaces
/// its value in place; setting nil removes it. Equality and hashing ignore order (JSON objects are
/// unordered; the order is for people and JMESPath).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    /// Member names in order; a removed member leaves a hole (nil) until holes outnumber members,
    /// so removing is O(1) amortized, not a scan.
    private var order: [String?] = []
    /// Each member's value and its place in `order`.
    private var storage: [String: (value: JSONValue, position: Int)] = [:]

    public init() {}

    /// The members in the given order (a repeated name keeps its first place and its last value).
    public init(_ members: some Sequence<(String, JSONValue)>) {
        for (key, value) in members { self[key] = value }
    }

    /// A dictionary's members, sorted by name (a dictionary has no order to keep).
    public init(_ dictionary: [String: JSONValue]) {
        self.init(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { ($0, $1) })
    }

    public subscript(key: String) -> JSONValue? {
        get { storage[key]?.value }
        set {
            if let newValue {
                if let existing = storage[key] {
                    storage[key] = (newValue, existing.position)
                } else {
                    storage[key] = (newValue, order.count)
                    order.append(key)
                }
            } else if let removed = storage.removeValue(forKey: key) {
                order[removed.position] = nil
                if order.count > 2 * storage.count + 16 { compact() }
            }
        }
    }

    /// Member names, in order.
    public var keys: [String] { order.compactMap { $0 } }
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    /// Values in member order.
    public var values: [JSONValue] { keys.map { storage[$0]!.value } }

    private mutating func compact() {
        let kept: [String] = order.compactMap { $0 }
        for (position, key) in kept.enumerated() { storage[key]!.position = position }
        order = kept
    }

    /// The same members with each value transformed.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var result = self
        for key in keys { result.storage[key]!.value = try transform(storage[key]!.value) }
        return result
    }

    /// The members that `isIncluded`, in order.
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        JSONObject(try keys.map { ($0, storage[$0]!.value) }.filter { try isIncluded(($0.0, $0.1)) })
    }

    public func makeIterator() -> some IteratorProtocol<Element> {
        order.lazy.compactMap { $0 }.map { (key: $0, value: storage[$0]!.value) }.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.storage.allSatisfy { key, entry in rhs.storage[key]?.value == entry.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        // Order-free: the sum of each member's own hash.
        var members = 0
        for (key, entry) in storage {
            var member = Hasher()
            member.combine(key)
            member.combine(entry.value)
            members &+= member.finalize()
        }
        hasher.combine(members)
    }
}
