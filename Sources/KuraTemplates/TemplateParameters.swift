// kura — a self-hosted encrypted container registry.
// TemplateParameters: a template's declared parameters resolved against a deployment's values.

public import KuraAPI

/// Resolves `parameters` declarations (`type`, `defaultValue`, `allowedValues`, `minValue`,
/// `maxValue`, `minLength`, `maxLength`) against given values (`{"name": {"value": …}}`), in
/// declaration order, so a default may use the parameters before it.
public enum TemplateParameters {
    /// Resolved values by name, and the names of secure ones (never to be echoed back or logged).
    public struct Resolved: Sendable {
        public var values: JSONObject
        public var secure: Set<String>
    }

    /// Parameters a template may declare, and a deployment give, at most (ARM's limit).
    public static let maximumCount = 256

    /// - Throws: ``TemplateError`` naming a missing required parameter, an undeclared one, or a
    ///   value of the wrong type or outside its constraints.
    public static func resolve(declared: JSONValue?, given: JSONValue?, context: TemplateContext) async throws(TemplateError) -> Resolved {
        let declarations = declared?.objectValue ?? [:]
        let supplied = given?.objectValue ?? [:]
        guard declarations.count <= maximumCount, supplied.count <= maximumCount else {
            throw .invalid("The template declares \(declarations.count) parameters and the deployment gives \(supplied.count); at most \(maximumCount) are allowed.")
        }
        let declaredNames = Set(declarations.keys.map { $0.lowercased() })
        var suppliedByName: [String: JSONValue] = [:]
        for (name, entry) in supplied where suppliedByName[name.lowercased()] == nil { suppliedByName[name.lowercased()] = entry }
        let undeclared = supplied.keys.filter { !declaredNames.contains($0.lowercased()) }
        guard undeclared.isEmpty else {
            throw .invalid("The template parameters '\(undeclared.joined(separator: ", "))' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time.")
        }
        var resolved = Resolved(values: [:], secure: [])
        for (name, declaration) in declarations {
            let type = declaration.member(caseInsensitive: "type")?.stringValue?.lowercased() ?? ""
            if type.hasPrefix("secure") { resolved.secure.insert(name) }
            let value: JSONValue
            if let entry = suppliedByName[name.lowercased()] {
                if entry.member(caseInsensitive: "reference") != nil {
                    throw .invalid("The template parameter '\(name)' refers to a Key Vault secret; kura's vaults hold keys only, so give its value.")
                }
                guard let given = entry.member(caseInsensitive: "value") else {
                    throw .invalid("The template parameter '\(name)' is given without a 'value'.")
                }
                value = given
            } else if let fallback = declaration.member(caseInsensitive: "defaultValue") {
                value = try await TemplateEvaluator(parameters: resolved.values, variables: [:], context: context).evaluate(fallback)
            } else {
                throw .invalid("The value for the template parameter '\(name)' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.")
            }
            resolved.values[name] = try checked(value, name: name, type: type, declaration: declaration)
        }
        return resolved
    }

    /// `value` as `type` (az sends `k=v` values as strings: an int or bool parameter converts
    /// them), within the declaration's constraints.
    static func checked(_ value: JSONValue, name: String, type: String, declaration: JSONValue) throws(TemplateError) -> JSONValue {
        let converted: JSONValue? = switch (type, value) {
        case ("string", .string), ("securestring", .string), ("int", .integer), ("bool", .bool), ("object", .object),
             ("secureobject", .object), ("array", .array): value
        case ("int", .string(let text)): Int64(text).map(JSONValue.integer)
        case ("bool", .string(let text)) where ["true", "false"].contains(text.lowercased()): .bool(text.lowercased() == "true")
        default: nil
        }
        guard let converted else {
            throw .invalid("The template parameter '\(name)' is of type '\(type)', and the value given is \(TemplateEvaluator.typeName(value)).")
        }
        if let allowed = declaration.member(caseInsensitive: "allowedValues")?.arrayValue, !allowed.contains(converted) {
            throw .invalid("The provided value for the template parameter '\(name)' is not valid. The value must be one of: \(allowed.map(\.text).joined(separator: ", ")).")
        }
        if case .integer(let number) = converted {
            if let minimum = declaration.member(caseInsensitive: "minValue")?.integerValue, number < minimum {
                throw .invalid("The provided value for the template parameter '\(name)' is not valid: \(number) is less than the minimum value of \(minimum).")
            }
            if let maximum = declaration.member(caseInsensitive: "maxValue")?.integerValue, number > maximum {
                throw .invalid("The provided value for the template parameter '\(name)' is not valid: \(number) is more than the maximum value of \(maximum).")
            }
        }
        let length: Int? = switch converted {
        case .string(let text): text.count
        case .array(let items): items.count
        default: nil
        }
        if let length, let minimum = declaration.member(caseInsensitive: "minLength")?.integerValue, length < minimum {
            throw .invalid("The provided value for the template parameter '\(name)' is not valid: its length \(length) is less than the minimum length of \(minimum).")
        }
        if let length, let maximum = declaration.member(caseInsensitive: "maxLength")?.integerValue, length > maximum {
            throw .invalid("The provided value for the template parameter '\(name)' is not valid: its length \(length) is more than the maximum length of \(maximum).")
        }
        return converted
    }
}
