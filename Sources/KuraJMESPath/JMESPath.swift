// kura — a self-hosted encrypted container registry.
// JMESPath: compiled expressions and their evaluation over JSON (az's `--query`).

public import KuraAPI
/// A compiled JMESPath expression (https://jmespath.org/specification.html).
///
/// ```swift
/// let names = try JMESPath("value[?enabled].name").search(document)
/// ```
public struct JMESPath: Sendable {
    let root: JMESPathNode

    /// Compiles `expression`.
    /// - Throws: ``JMESPathError`` of kind `syntax`.
    public init(_ expression: String) throws(JMESPathError) {
        root = try JMESPathParser.parse(expression)
    }

    /// Evaluates the expression against `document`.
    /// - Throws: ``JMESPathError`` of kind `invalid-type`, `invalid-arity`, `invalid-value` or `unknown-function`.
    public func search(_ document: JSONValue) throws(JMESPathError) -> JSONValue {
        try JMESPathInterpreter.evaluate(root, document)
    }
}

/// Evaluates syntax trees. JSON values compare as JSON: numbers by value (1 == 1.0), objects
/// without regard to key order.
enum JMESPathInterpreter {
    static func evaluate(_ node: JMESPathNode, _ value: JSONValue) throws(JMESPathError) -> JSONValue {
        switch node {
        case .identity, .current: return value
        case .field(let name): return value[name] ?? .null
        case .subexpression(let left, let right): return try evaluate(right, try evaluate(left, value))
        case .index(let index):
            guard case .array(let items) = value else { return .null }
            let resolved = index < 0 ? items.count + index : index
            return items.indices.contains(resolved) ? items[resolved] : .null
        case .slice(let start, let stop, let step):
            guard case .array(let items) = value else { return .null }
            return .array(try slice(items, start, stop, step))
        case .indexExpression(let left, let right): return try evaluate(right, try evaluate(left, value))
        case .projection(let left, let right):
            guard case .array(let items) = try evaluate(left, value) else { return .null }
            var results: [JSONValue] = []
            for item in items { if let projected = nonNull(try evaluate(right, item)) { results.append(projected) } }
            return .array(results)
        case .valueProjection(let left, let right):
            guard case .object(let members) = try evaluate(left, value) else { return .null }
            var results: [JSONValue] = []
            for member in members { if let projected = nonNull(try evaluate(right, member.value)) { results.append(projected) } }
            return .array(results)
        case .filterProjection(let left, let right, let condition):
            guard case .array(let items) = try evaluate(left, value) else { return .null }
            var result: [JSONValue] = []
            for item in items where isTruthy(try evaluate(condition, item)) {
                if let projected = nonNull(try evaluate(right, item)) { result.append(projected) }
            }
            return .array(result)
        case .flatten(let inner):
            guard case .array(let items) = try evaluate(inner, value) else { return .null }
            return .array(items.flatMap { item -> [JSONValue] in if case .array(let nested) = item { nested } else { [item] } })
        case .literal(let literal): return literal
        case .multiSelectList(let expressions):
            if value.isNull { return .null }
            var results: [JSONValue] = []
            for expression in expressions { results.append(try evaluate(expression, value)) }
            return .array(results)
        case .multiSelectHash(let pairs):
            if value.isNull { return .null }
            var members = JSONObject()
            for (key, expression) in pairs { members[key] = try evaluate(expression, value) }
            return .object(members)
        case .comparator(let kind, let left, let right):
            return compare(kind, try evaluate(left, value), try evaluate(right, value))
        case .or(let left, let right):
            let first = try evaluate(left, value)
            return isTruthy(first) ? first : try evaluate(right, value)
        case .and(let left, let right):
            let first = try evaluate(left, value)
            return isTruthy(first) ? try evaluate(right, value) : first
        case .not(let inner): return .bool(!isTruthy(try evaluate(inner, value)))
        case .pipe(let left, let right): return try evaluate(right, try evaluate(left, value))
        case .function(let name, let arguments): return try JMESPathFunctions.call(name, arguments, value)
        case .expref: throw JMESPathError(.invalidType, "an expression reference (&) is only valid as a function argument")
        }
    }

    static func nonNull(_ value: JSONValue) -> JSONValue? {
        guard !value.isNull else { return nil }
        return value
    }

    /// false, null, "", [] and {} are false; everything else (0 included) is true.
    static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .string(let text): !text.isEmpty
        case .array(let items): !items.isEmpty
        case .object(let members): !members.isEmpty
        case .integer, .double: true
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// JSON equality: numbers by value, arrays in order, objects by members.
    static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { member in b[member.key].map { equal(member.value, $0) } ?? false }
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        default:
            if let a = number(left), let b = number(right) { return a == b }
            return false
        }
    }

    static func compare(_ kind: JMESPathToken.Kind, _ left: JSONValue, _ right: JSONValue) -> JSONValue {
        switch kind {
        case .eq: return .bool(equal(left, right))
        case .ne: return .bool(!equal(left, right))
        default:
            guard let a = number(left), let b = number(right) else { return .null }
            switch kind {
            case .lt: return .bool(a < b)
            case .lte: return .bool(a <= b)
            case .gt: return .bool(a > b)
            default: return .bool(a >= b)
            }
        }
    }

    /// Python-style slicing, as the specification defines it.
    static func slice(_ items: [JSONValue], _ start: Int?, _ stop: Int?, _ step: Int?) throws(JMESPathError) -> [JSONValue] {
        let step = step ?? 1
        guard step != 0 else { throw JMESPathError(.invalidValue, "slice step cannot be 0") }
        let count = items.count
        func adjust(_ value: Int?, default fallback: Int) -> Int {
            guard let value else { return fallback }
            if value < 0 {
                let shifted = value + count
                return shifted < 0 ? (step < 0 ? -1 : 0) : shifted
            }
            return value >= count ? (step < 0 ? count - 1 : count) : value
        }
        let begin = adjust(start, default: step < 0 ? count - 1 : 0)
        let end = adjust(stop, default: step < 0 ? -1 : count)
        var result: [JSONValue] = []
        var index = begin
        // A step near Int.max would overflow the index: the walk ends where the sum would.
        while step > 0 ? index < end : index > end {
            result.append(items[index])
            let (next, overflow) = index.addingReportingOverflow(step)
            if overflow { break }
            index = next
        }
        return result
    }
}
