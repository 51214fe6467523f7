// kura — a self-hosted encrypted container registry.
// AlwaysEncoded: an optional member the wire always carries, as `null` when it has no value.

/// Marks an optional member that Azure writes even when empty (`"nextLink": null`, a JWK's
/// absent fields): encoded as `null` rather than left out, and read as nil when missing or null.
@propertyWrapper
public struct AlwaysEncoded<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing member reads as nil (synthesized decoding would otherwise require the key).
    public func decode<Value>(_ type: AlwaysEncoded<Value>.Type, forKey key: Key) throws -> AlwaysEncoded<Value> {
        try decodeIfPresent(type, forKey: key) ?? AlwaysEncoded(wrappedValue: nil)
    }
}
