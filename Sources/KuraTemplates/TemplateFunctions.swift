// kura — a self-hosted encrypted container registry.
// TemplateFunctions: the template functions kura evaluates (names compare without case).

import Crypto
import Foundation
import KuraAPI

extension TemplateEvaluator {
    /// Calls function `name` (any case). `if`, `and`, `or` and `coalesce` evaluate their arguments
    /// only as far as they need.
    /// - Throws: ``TemplateError`` for an unknown function, a wrong argument count or type.
    func call(_ name: String, _ expressions: [TemplateExpression]) async throws(TemplateError) -> JSONValue {
        let function = name.lowercased()
        switch function {
        case "if":
            try Self.arity(name, expressions, 3)
            let condition = try Self.bool(name, try await evaluate(expressions[0]))
            return try await evaluate(expressions[condition ? 1 : 2])
        case "and", "or":
            guard expressions.count >= 2 else { throw Self.arityError(name, "at least 2") }
            for expression in expressions {
                let value = try Self.bool(name, try await evaluate(expression))
                if value == (function == "or") { return .bool(value) }
            }
            return .bool(function == "and")
        case "coalesce":
            for expression in expressions {
                let value = try await evaluate(expression)
                if !value.isNull { return value }
            }
            return .null
        default:
            var arguments: [JSONValue] = []
            for expression in expressions { arguments.append(try await evaluate(expression)) }
            return try await apply(function, name, arguments)
        }
    }

    func apply(_ function: String, _ name: String, _ arguments: [JSONValue]) async throws(TemplateError) -> JSONValue {
        switch function {
        case "parameters":
            try Self.arity(name, arguments, 1)
            let key = try Self.string(name, arguments[0])
            guard let value = JSONValue.object(parameters).member(caseInsensitive: key) else {
                throw .invalid("The template parameter '\(key)' is not found. Please see https://aka.ms/arm-syntax-parameters for usage details.")
            }
            return value
        case "variables":
            try Self.arity(name, arguments, 1)
            return try await variable(try Self.string(name, arguments[0]))
        case "resourcegroup":
            try Self.arity(name, arguments, 0)
            return context.group
        case "subscription":
            try Self.arity(name, arguments, 0)
            return context.subscription
        case "resourceid":
            return .string(try resourceID(name, arguments.map { argument throws(TemplateError) in try Self.string(name, argument) }))
        case "reference":
            guard (1...3).contains(arguments.count) else { throw Self.arityError(name, "1 to 3") }
            let id = try Self.string(name, arguments[0])
            let apiVersion = try arguments.count > 1 ? Self.string(name, arguments[1]) : nil
            let full = try arguments.count > 2 ? Self.string(name, arguments[2]).lowercased() == "full" : false
            return try await context.reference(id, apiVersion, full)
        case "copyindex":
            return try copyIndex(name, arguments)
        case "concat":
            guard !arguments.isEmpty else { throw Self.arityError(name, "at least 1") }
            if case .array = arguments[0] {
                var joined: [JSONValue] = []
                for argument in arguments { joined += try Self.array(name, argument) }
                return .array(joined)
            }
            return .string(try Self.joined(try arguments.map { argument throws(TemplateError) in try Self.text(argument) }, by: name))
        case "format":
            guard !arguments.isEmpty else { throw Self.arityError(name, "at least 1") }
            return .string(try Self.format(try Self.string(name, arguments[0]), Array(arguments.dropFirst())))
        case "string":
            try Self.arity(name, arguments, 1)
            return .string(try Self.text(arguments[0]))
        case "int":
            try Self.arity(name, arguments, 1)
            switch arguments[0] {
            case .integer: return arguments[0]
            case .string(let text): if let value = Int64(text.trimmingCharacters(in: .whitespaces)) { return .integer(value) }
            default: break
            }
            throw .invalid("The template function 'int' cannot convert \(Self.typeName(arguments[0])) to an integer.")
        case "bool":
            try Self.arity(name, arguments, 1)
            switch arguments[0] {
            case .bool: return arguments[0]
            case .integer(let value): return .bool(value != 0)
            case .string(let text) where ["true", "false"].contains(text.lowercased()): return .bool(text.lowercased() == "true")
            default: throw .invalid("The template function 'bool' cannot convert \(Self.typeName(arguments[0])) to a boolean.")
            }
        case "json":
            try Self.arity(name, arguments, 1)
            let text = try Self.string(name, arguments[0])
            do {
                return try JSONValue(parsing: text, maximumDepth: JSONValue.requestDepth)
            } catch {
                throw .invalid("The template function 'json' was given text that is not JSON: \(error).")
            }
        case "tolower", "toupper":
            try Self.arity(name, arguments, 1)
            let text = try Self.string(name, arguments[0])
            return .string(function == "tolower" ? text.lowercased() : text.uppercased())
        case "equals":
            try Self.arity(name, arguments, 2)
            return .bool(arguments[0] == arguments[1])
        case "not":
            try Self.arity(name, arguments, 1)
            return .bool(!(try Self.bool(name, arguments[0])))
        case "true", "false":
            try Self.arity(name, arguments, 0)
            return .bool(function == "true")
        case "null":
            try Self.arity(name, arguments, 0)
            return .null
        case "empty":
            try Self.arity(name, arguments, 1)
            return .bool(try Self.count(name, arguments[0], allowingNull: true) == 0)
        case "length":
            try Self.arity(name, arguments, 1)
            return .integer(Int64(try Self.count(name, arguments[0], allowingNull: false)))
        case "contains":
            try Self.arity(name, arguments, 2)
            return .bool(try Self.contains(name, arguments[0], arguments[1]))
        case "union":
            return try Self.union(name, arguments)
        case "first", "last":
            try Self.arity(name, arguments, 1)
            switch arguments[0] {
            case .array(let items): return (function == "first" ? items.first : items.last) ?? .null
            case .string(let text): return .string((function == "first" ? text.first : text.last).map(String.init) ?? "")
            default: throw Self.typeError(name, "an array or a string", arguments[0])
            }
        case "split":
            try Self.arity(name, arguments, 2)
            let text = try Self.string(name, arguments[0])
            let delimiters: [String] = if case .array(let items) = arguments[1] {
                try items.map { item throws(TemplateError) in try Self.string(name, item) }
            } else { [try Self.string(name, arguments[1])] }
            return .array(Self.split(text, by: delimiters).map(JSONValue.string))
        case "replace":
            try Self.arity(name, arguments, 3)
            let old = try Self.string(name, arguments[1])
            guard !old.isEmpty else { throw .invalid("The template function 'replace' needs a non-empty string to replace.") }
            let text = try Self.string(name, arguments[0])
            let replacement = try Self.string(name, arguments[2])
            // The result's length is known before it is built: refused then, not after.
            let occurrences = text.components(separatedBy: old).count - 1
            guard text.utf8.count + occurrences * (replacement.utf8.count - old.utf8.count) <= Self.maximumStringBytes else {
                throw .invalid("The template function 'replace' would make a string of more than \(Self.maximumStringBytes) bytes.")
            }
            return .string(text.replacingOccurrences(of: old, with: replacement))
        case "substring":
            guard (2...3).contains(arguments.count) else { throw Self.arityError(name, "2 or 3") }
            let text = Array(try Self.string(name, arguments[0]))
            let start = try Self.integer(name, arguments[1])
            let length = try arguments.count == 3 ? Self.integer(name, arguments[2]) : Int64(text.count) &- start
            guard start >= 0, length >= 0, start <= text.count, length <= Int64(text.count) - start else {
                throw .invalid("The template function 'substring': the start \(start) and length \(length) are outside the string of \(text.count) characters.")
            }
            return .string(String(text[Int(start)..<Int(start + length)]))
        case "createarray":
            return .array(arguments)
        case "createobject":
            guard arguments.count % 2 == 0 else { throw .invalid("The template function 'createObject' takes pairs of names and values.") }
            var members = JSONObject()
            for pair in stride(from: 0, to: arguments.count, by: 2) { members[try Self.string(name, arguments[pair])] = arguments[pair + 1] }
            return .object(members)
        case "uniquestring":
            guard !arguments.isEmpty else { throw Self.arityError(name, "at least 1") }
            return .string(Self.uniqueString(try arguments.map { argument throws(TemplateError) in try Self.string(name, argument) }))
        case "guid":
            guard !arguments.isEmpty else { throw Self.arityError(name, "at least 1") }
            return .string(Self.guid(try arguments.map { argument throws(TemplateError) in try Self.string(name, argument) }))
        default:
            throw Self.refusal(of: name) ?? .invalid("The template function '\(name)' is not valid.")
        }
    }

    /// Why the function `name` cannot be used, or nil when this evaluator knows it.
    static func refusal(of name: String) -> TemplateError? {
        let lowered = name.lowercased()
        if ["listkeys", "listsecrets", "listcredentials", "list"].contains(lowered) {
            return .invalid("The template function '\(name)' is not supported: kura's resources expose no keys or secrets to a template.")
        }
        if supported.contains(where: { $0.lowercased() == lowered }) { return nil }
        return .invalid("The template function '\(name)' is not valid. kura evaluates: \(supported.joined(separator: ", ")).")
    }

    /// Every function this evaluator knows (for the error that names an unknown one).
    static let supported = ["parameters", "variables", "concat", "format", "resourceGroup", "subscription", "resourceId", "reference",
                            "uniqueString", "guid", "toLower", "toUpper", "if", "equals", "not", "and", "or", "empty", "contains",
                            "length", "union", "json", "string", "int", "bool", "split", "replace", "substring", "last", "first",
                            "createArray", "createObject", "coalesce", "copyIndex", "true", "false", "null"]

    /// `resourceId([subscriptionId], [resourceGroup], type, name1, name2…)`: one name per type
    /// segment after the namespace.
    func resourceID(_ function: String, _ arguments: [String]) throws(TemplateError) -> String {
        guard let typeIndex = arguments.firstIndex(where: { $0.contains("/") }), typeIndex <= 2 else {
            throw .invalid("The template function 'resourceId' needs a resource type ('Namespace/type') and its names.")
        }
        let segments = arguments[typeIndex].split(separator: "/").map(String.init)
        let names = Array(arguments[(typeIndex + 1)...])
        guard segments.count >= 2, names.count == segments.count - 1 else {
            throw .invalid("The template function 'resourceId': the type '\(arguments[typeIndex])' needs \(max(segments.count - 1, 1)) name(s), but \(names.count) were given.")
        }
        let subscription = typeIndex == 2 ? arguments[0] : context.subscriptionID
        let group = typeIndex == 2 ? arguments[1] : typeIndex == 1 ? arguments[0] : context.resourceGroup
        var id = "/subscriptions/\(subscription)/resourceGroups/\(group)/providers/\(segments[0])"
        for (type, name) in zip(segments.dropFirst(), names) { id += "/\(type)/\(name)" }
        return id
    }

    func copyIndex(_ function: String, _ arguments: [JSONValue]) throws(TemplateError) -> JSONValue {
        var loop: String?
        var offset: Int64 = 0
        for argument in arguments {
            switch argument {
            case .string(let name): loop = name
            case .integer(let value): offset = value
            default: throw Self.typeError(function, "a loop name or an offset", argument)
            }
        }
        // By name: a property or variable loop, then a resource loop; unnamed: the resource's loop.
        let found = loop.map { name in
            (copyIndices + valueCopyIndices).last { $0.loop.lowercased() == name.lowercased() }
        } ?? copyIndices.last
        guard let found else {
            throw .invalid("The template function 'copyIndex' is not expected here: it is used only inside a 'copy' loop\(loop.map { " named '\($0)'" } ?? "").")
        }
        let (index, overflow) = Int64(found.index).addingReportingOverflow(offset)
        guard !overflow else { throw .invalid("The template function 'copyIndex': the offset \(offset) is too large.") }
        return .integer(index)
    }
}
