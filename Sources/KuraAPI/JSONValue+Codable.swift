// kura — a self-hosted encrypted container registry.
// JSONValue+Codable: free-form JSON inside a typed wire model, and wire models as JSON values.

extension JSONValue: Codable {
    /// Through a `Decoder`, an object's order is not known: its members come sorted by name.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(JSONObject(try container.decode([String: JSONValue].self)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let members):
            var container = encoder.container(keyedBy: MemberName.self)
            for (key, value) in members { try container.encode(value, forKey: MemberName(key)) }
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .integer(let value): try container.encode(value)
            case .double(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .array(let value): try container.encode(value)
            case .object: break
            }
        }
    }

    /// A wire model as a JSON value (members sorted by name, as the server writes them): the one
    /// conversion from typed answers to what JMESPath queries and `--output` renders.
    public init(encoding model: some Encodable) {
        // WireJSON writes valid JSON, which the reader accepts.
        self = (try? JSONValue(parsing: WireJSON.encode(model))) ?? .null
    }

    /// The value as `Model` writes it: decoded into the model and encoded again. A free-form document
    /// served this way carries exactly the model's members.
    /// - Throws: `DecodingError` when it does not have the model's shape.
    public func reshaped<Model: Codable>(as type: Model.Type) throws -> JSONValue {
        JSONValue(encoding: try decoded(as: type))
    }

    /// The value read as a wire model.
    /// - Throws: `DecodingError` when it does not have the model's shape.
    public func decoded<Model: Decodable>(as type: Model.Type) throws -> Model {
        try WireJSON.decode(type, from: serialized())
    }
}

/// A member name as a coding key.
struct MemberName: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
