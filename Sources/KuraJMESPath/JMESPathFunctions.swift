// kura — a self-hosted encrypted container registry.
// JMESPathFunctions: the specification's built-in functions, with their argument type checks.

import KuraAPI
import Foundation

enum JMESPathFunctions {
    /// What an argument may be.
    enum ArgumentType: String {
        case any, number, string, boolean, array, object, null, expref
        case arrayOfNumbers = "array[number]", arrayOfStrings = "array[string]"
    }

    /// Argument types per function; `variadic` repeats the last one (at least once).
    struct Signature {
        let types: [[ArgumentType]]
        var variadic = false
    }

    static let signatures: [String: Signature] = [
        "abs": Signature(types: [[.number]]),
        "avg": Signature(types: [[.arrayOfNumbers]]),
        "ceil": Signature(types: [[.number]]),
        "contains": Signature(types: [[.array, .string], [.any]]),
        "ends_with": Signature(types: [[.string], [.string]]),
        "floor": Signature(types: [[.number]]),
        "join": Signature(types: [[.string], [.arrayOfStrings]]),
        "keys": Signature(types: [[.object]]),
        "length": Signature(types: [[.string, .array, .object]]),
        "map": Signature(types: [[.expref], [.array]]),
        "max": Signature(types: [[.arrayOfNumbers, .arrayOfStrings]]),
        "max_by": Signature(types: [[.array], [.expref]]),
        "merge": Signature(types: [[.object]], variadic: true),
        "min": Signature(types: [[.arrayOfNumbers, .arrayOfStrings]]),
        "min_by": Signature(types: [[.array], [.expref]]),
        "not_null": Signature(types: [[.any]], variadic: true),
        "reverse": Signature(types: [[.string, .array]]),
        "sort": Signature(types: [[.arrayOfNumbers, .arrayOfStrings]]),
        "sort_by": Signature(types: [[.array], [.expref]]),
        "starts_with": Signature(types: [[.string], [.string]]),
        "sum": Signature(types: [[.arrayOfNumbers]]),
        "to_array": Signature(types: [[.any]]),
        "to_number": Signature(types: [[.any]]),
        "to_string": Signature(types: [[.any]]),
        "type": Signature(types: [[.any]]),
        "values": Signature(types: [[.object]]),
    ]

    /// An evaluated argument: a value, or an expression reference (`&expr`).
    enum Argument {
        case value(JSONValue)
        case expref(JMESPathNode)
    }

    static func call(_ name: String, _ nodes: [JMESPathNode], _ current: JSONValue) throws(JMESPathError) -> JSONValue {
        guard let signature = signatures[name] else { throw JMESPathError(.unknownFunction, "unknown function \(name)()") }
        let arity = signature.types.count
        guard signature.variadic ? nodes.count >= arity : nodes.count == arity else {
            throw JMESPathError(.invalidArity, "\(name)() takes \(signature.variadic ? "at least " : "")\(arity) argument(s), \(nodes.count) given")
        }
        var arguments: [Argument] = []
        for node in nodes {
            if case .expref(let inner) = node { arguments.append(.expref(inner)) } else {
                arguments.append(.value(try JMESPathInterpreter.evaluate(node, current)))
            }
        }
        for (position, argument) in arguments.enumerated() {
            let allowed = signature.types[min(position, arity - 1)]
            guard allowed.contains(where: { matches(argument, $0) }) else {
                throw JMESPathError(.invalidType, "argument \(position + 1) of \(name)() must be \(allowed.map(\.rawValue).joined(separator: " or "))")
            }
        }
        return try apply(name, arguments)
    }

    static func matches(_ argument: Argument, _ type: ArgumentType) -> Bool {
        switch (argument, type) {
        case (.expref, .expref): return true
        case (.expref, _), (_, .expref): return false
        case (.value(let value), _): return matches(value, type)
        }
    }

    static func matches(_ value: JSONValue, _ type: ArgumentType) -> Bool {
        switch (type, value) {
        case (.any, _), (.null, .null), (.boolean, .bool), (.string, .string), (.array, .array), (.object, .object): return true
        case (.number, .integer), (.number, .double): return true
        case (.arrayOfNumbers, .array(let items)): return items.allSatisfy { JMESPathInterpreter.number($0) != nil }
        case (.arrayOfStrings, .array(let items)): return items.allSatisfy { if case .string = $0 { true } else { false } }
        default: return false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func numberValue(_ number: Double) -> JSONValue {
        if number == number.rounded(), abs(number) < 9e15 { return .integer(Int64(number)) }
        return .double(number)
    }

    static func apply(_ name: String, _ arguments: [Argument]) throws(JMESPathError) -> JSONValue {
        func value(_ index: Int) -> JSONValue {
            if case .value(let value) = arguments[index] { return value }
            return .null
        }
        func expref(_ index: Int) -> JMESPathNode {
            if case .expref(let node) = arguments[index] { return node }
            return .identity
        }
        func items(_ index: Int) -> [JSONValue] {
            if case .array(let items) = value(index) { return items }
            return []
        }
        func text(_ index: Int) -> String {
            if case .string(let text) = value(index) { return text }
            return ""
        }
        switch name {
        case "abs":
            // |Int64.min| is no Int64: it becomes a double rather than a trap.
            if case .integer(let number) = value(0) { return number == .min ? .double(-Double(number)) : .integer(abs(number)) }
            return .double(abs(JMESPathInterpreter.number(value(0))!))
        case "avg":
            let numbers = items(0).compactMap(JMESPathInterpreter.number)
            return numbers.isEmpty ? .null : .double(numbers.reduce(0, +) / Double(numbers.count))
        case "ceil": return numberValue(JMESPathInterpreter.number(value(0))!.rounded(.up))
        case "floor": return numberValue(JMESPathInterpreter.number(value(0))!.rounded(.down))
        case "contains":
            switch value(0) {
            case .string(let haystack):
                guard case .string(let needle) = value(1) else { return .bool(false) }
                return .bool(haystack.contains(needle) || needle.isEmpty)
            default: return .bool(items(0).contains { JMESPathInterpreter.equal($0, value(1)) })
            }
        case "ends_with": return .bool(text(0).unicodeScalars.elementsEqual(text(0).unicodeScalars) && text(0).hasSuffix(text(1)))
        case "starts_with": return .bool(text(0).hasPrefix(text(1)))
        case "join": return .string(items(1).map { if case .string(let s) = $0 { s } else { "" } }.joined(separator: text(0)))
        case "keys":
            guard case .object(let members) = value(0) else { return .null }
            return .array(members.map { .string($0.key) })
        case "values":
            guard case .object(let members) = value(0) else { return .null }
            return .array(members.map(\.value))
        case "length":
            switch value(0) {
            case .string(let text): return .integer(Int64(text.unicodeScalars.count))
            case .array(let items): return .integer(Int64(items.count))
            case .object(let members): return .integer(Int64(members.count))
            default: return .null
            }
        case "map":
            var results: [JSONValue] = []
            for item in items(1) { results.append(try JMESPathInterpreter.evaluate(expref(0), item)) }
            return .array(results)
        case "max", "min":
            let list = items(0)
            guard var best = list.first else { return .null }
            for item in list.dropFirst() where try lessThan(item, best) == (name == "min") && !JMESPathInterpreter.equal(item, best) {
                best = item
            }
            return best
        case "max_by", "min_by":
            let list = items(0)
            guard !list.isEmpty else { return .null }
            var best = list[0]
            var bestKey = try sortKey(list[0], expref(1), name)
            for item in list.dropFirst() {
                let key = try sortKey(item, expref(1), name)
                if (name == "min_by") ? try lessThan(key, bestKey) : try lessThan(bestKey, key) {
                    best = item
                    bestKey = key
                }
            }
            return best
        case "merge":
            var merged = JSONObject()
            for index in arguments.indices {
                guard case .object(let members) = value(index) else { continue }
                for member in members { merged[member.key] = member.value }
            }
            return .object(merged)
        case "not_null":
            for index in arguments.indices where !value(index).isNull { return value(index) }
            return .null
        case "reverse":
            if case .string(let text) = value(0) { return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed()))) }
            return .array(items(0).reversed())
        case "sort":
            return .array(try stableSort(items(0).map { ($0, $0) }).map(\.0))
        case "sort_by":
            var keyed: [(JSONValue, JSONValue)] = []
            for item in items(0) { keyed.append((item, try sortKey(item, expref(1), name))) }
            return .array(try stableSort(keyed).map(\.0))
        case "sum": return numberValue(items(0).compactMap(JMESPathInterpreter.number).reduce(0, +)).keepingDouble(if: items(0).contains { if case .double = $0 { true } else { false } })
        case "to_array":
            if case .array = value(0) { return value(0) }
            return .array([value(0)])
        case "to_number":
            switch value(0) {
            case .integer, .double: return value(0)
            case .string(let text):
                guard let parsed = try? JSONValue(parsing: text), JMESPathInterpreter.number(parsed) != nil else { return .null }
                return parsed
            default: return .null
            }
        case "to_string":
            if case .string = value(0) { return value(0) }
            return .string(value(0).text)
        case "type": return .string(typeName(value(0)))
        default: throw JMESPathError(.unknownFunction, "unknown function \(name)()")
        }
    }

    /// The key `expression` gives `item` for sort_by/min_by/max_by: a number or a string.
    static func sortKey(_ item: JSONValue, _ expression: JMESPathNode, _ name: String) throws(JMESPathError) -> JSONValue {
        let key = try JMESPathInterpreter.evaluate(expression, item)
        guard matches(key, .number) || matches(key, .string) else {
            throw JMESPathError(.invalidType, "\(name)() needs the expression to give numbers or strings, got \(typeName(key))")
        }
        return key
    }

    static func lessThan(_ a: JSONValue, _ b: JSONValue) throws(JMESPathError) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
        default:
            guard let x = JMESPathInterpreter.number(a), let y = JMESPathInterpreter.number(b) else {
                throw JMESPathError(.invalidType, "cannot compare \(typeName(a)) with \(typeName(b))")
            }
            return x < y
        }
    }

    /// Sorts by key, keeping equal keys in input order; keys must all be numbers or all strings.
    static func stableSort(_ keyed: [(JSONValue, JSONValue)]) throws(JMESPathError) -> [(JSONValue, JSONValue)] {
        if let first = keyed.first {
            let kind = typeName(first.1)
            guard keyed.allSatisfy({ typeName($0.1) == kind }) else { throw JMESPathError(.invalidType, "sort keys must all be numbers or all strings") }
        }
        var failure: JMESPathError?
        let sorted = keyed.enumerated().sorted { left, right in
            do {
                if try lessThan(left.element.1, right.element.1) { return true }
                if try lessThan(right.element.1, left.element.1) { return false }
            } catch { failure = error as? JMESPathError }
            return left.offset < right.offset
        }.map(\.element)
        if let failure { throw failure }
        return sorted
    }
}

extension JSONValue {
    /// `self` as a double when `condition` holds (sums of doubles stay doubles).
    fileprivate func keepingDouble(if condition: Bool) -> JSONValue {
        guard condition, case .integer(let number) = self else { return self }
        return .double(Double(number))
    }
}
