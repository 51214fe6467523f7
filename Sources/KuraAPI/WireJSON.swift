// kura — a self-hosted encrypted container registry.
// WireJSON: how every wire model is written and read — one encoder and decoder configuration.

import Foundation

/// The JSON of kura's wire models: keys sorted, slashes unescaped (as the server has always
/// written them).
public enum WireJSON {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The wire models are structs of strings, numbers and arrays: encoding cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    public static func decode<Model: Decodable>(_ type: Model.Type, from bytes: some Sequence<UInt8>) throws -> Model {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
