// kura — a self-hosted encrypted container registry.
// JSONObject: a JSON object's members, in order, looked up by name.

/// The members of a JSON object: unique names, kept in the order they were first set (reading,
/// literal or assignment order), with dictionary-speed lookup. Setting an existing member replaces
/// its value in place; setting nil removes it. Equality and hashing ignore order (JSON objects are
/// unordered; the order is for people and JMESPath).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    /// Member names, in order.
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

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
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Values in member order.
    public var values: [JSONValue] { keys.map { storage[$0]! } }

    /// The same members with each value transformed.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var result = self
        for key in keys { result.storage[key] = try transform(storage[key]!) }
        return result
    }

    /// The members that `isIncluded`, in order.
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        JSONObject(try keys.lazy.map { ($0, storage[$0]!) }.filter { try isIncluded(($0.0, $0.1)) })
    }

    public func makeIterator() -> some IteratorProtocol<Element> {
        keys.lazy.map { (key: $0, value: storage[$0]!) }.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool { lhs.storage == rhs.storage }
    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}
