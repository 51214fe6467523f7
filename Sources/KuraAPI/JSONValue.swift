// kura — a self-hosted encrypted container registry.
// JSONValue: the one JSON value type, for what is truly free-form (ARM documents, JMESPath).

/// Any JSON value. Objects keep their members in document order (what JMESPath's `*`, `keys(@)`
/// and `values(@)` return, and what the text is written in); integers that fit in `Int64` stay
/// integers, so ids and times survive a round trip exactly. Equality is JSON's: objects compare by
/// members regardless of order, numbers by value (`1 == 1.0`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// How deep a request body may nest arrays and objects: far below what a stored document may
    /// (``storedDepth``), so a document the server builds from a request — even wrapped a few
    /// levels deeper, as a deleted vault wraps its vault — always reads back.
    public static let requestDepth = 64
    /// How deep a document may nest when read back (Foundation's parser's limit).
    public static let storedDepth = 512

    /// Parses one JSON value from UTF-8 text (RFC 8259, strictly — no trailing commas, no lone
    /// surrogates — after an optional UTF-8 byte order mark; objects keep their order; a repeated
    /// member replaces the earlier value in its place).
    /// - Parameter maximumDepth: the deepest nesting of arrays and objects accepted
    ///   (``requestDepth`` for what a client sends).
    /// - Throws: ``JSONSyntaxError`` with the byte offset of what is wrong.
    public init(parsing bytes: some Sequence<UInt8>, maximumDepth: Int = JSONValue.storedDepth) throws(JSONSyntaxError) {
        self = try JSONReader.value(of: Array(bytes), maximumDepth: maximumDepth)
    }

    public init(parsing text: String, maximumDepth: Int = JSONValue.storedDepth) throws(JSONSyntaxError) {
        try self.init(parsing: text.utf8, maximumDepth: maximumDepth)
    }

    /// Parses JSON as people write it in files (JSONC: what ARM templates and az's deployment
    /// bodies are): `//` and `/* */` comments, trailing commas and bare member names (`template:`)
    /// are allowed; everything else is as strict as ``init(parsing:maximumDepth:)``.
    /// - Throws: ``JSONSyntaxError`` with the byte offset of what is wrong.
    public init(parsingLeniently bytes: some Sequence<UInt8>, maximumDepth: Int = JSONValue.requestDepth) throws(JSONSyntaxError) {
        self = try JSONReader.value(of: Array(bytes), maximumDepth: maximumDepth, lenient: true)
    }

    /// Compact UTF-8 JSON text, members in order, slashes and non-ASCII unescaped.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    /// ``serialized()`` as a string.
    public var text: String { String(decoding: serialized(), as: UTF8.self) }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.integer(let a), .double(let b)), (.double(let b), .integer(let a)): Self.exactInteger(b) == a
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .object(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(value)
        case .double(let value): if let integer = Self.exactInteger(value) { hasher.combine(integer) } else { hasher.combine(value) }
        }
    }

    /// `number` as an `Int64` when it is one exactly (so `1.0` equals and hashes as `1`).
    static func exactInteger(_ number: Double) -> Int64? {
        number.rounded() == number && number >= -9.2e18 && number <= 9.2e18 ? Int64(number) : nil
    }

    // MARK: Reading

    /// The member `key` of an object (nil for a missing member or a non-object); setting a member of
    /// a non-object does nothing.
    public subscript(key: String) -> JSONValue? {
        get {
            guard case .object(let members) = self else { return nil }
            return members[key]
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The member whose name equals `key` ignoring case (ARM property names are case-insensitive).
    public func member(caseInsensitive key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        if let exact = members[key] { return exact }
        let lowered = key.lowercased()
        return members.first { $0.key.lowercased() == lowered }?.value
    }

    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    public var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: Int64(value)
        default: nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { value } else { nil }
    }

    public var isNull: Bool { self == .null }

    /// Merges `patch` into `self` as JSON merge patch (RFC 7396): objects merge member by member
    /// (new members after the existing ones), `null` removes a member, anything else replaces.
    public func merging(_ patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var members = objectValue ?? [:]
        for (key, value) in changes {
            if value.isNull {
                members[key] = nil
            } else {
                members[key] = (members[key] ?? .null).merging(value)
            }
        }
        return .object(members)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements.map { ($0, $1) })) }
}
