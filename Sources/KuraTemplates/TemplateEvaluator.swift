// kura — a self-hosted encrypted container registry.
// TemplateEvaluator: a template value with its expressions evaluated (keys included).

public import KuraAPI
import Synchronization

/// Evaluates template values: every string that is an expression (in values and in member
/// names), recursively, against the deployment's parameters, variables and context.
public struct TemplateEvaluator: Sendable {
    /// Resolved parameter values, by name (``TemplateParameters``).
    public let parameters: JSONObject
    /// The template's `variables`, evaluated when first used.
    public let variables: JSONObject
    public let context: TemplateContext
    /// The current iteration of each resource `copy` loop around what is evaluated (`copyIndex()`).
    public var copyIndices: [(loop: String, index: Int)] = []
    /// The current iteration of each property or variable `copy` loop (``copies(_:)``): reached by
    /// name only (`copyIndex('name')`), as ARM does.
    var valueCopyIndices: [(loop: String, index: Int)] = []
    /// Variables being evaluated (a variable that needs itself is an error, not a hang).
    var evaluating: [String] = []
    /// Shared by every copy of this evaluator.
    let budget = TemplateBudget()
    /// Each variable's value once evaluated (ARM evaluates a variable once), shared by every copy.
    let variableValues = TemplateVariableCache()

    public init(parameters: JSONObject, variables: JSONObject, context: TemplateContext) {
        self.parameters = parameters
        self.variables = variables
        self.context = context
    }

    /// `value` with every expression evaluated.
    /// - Throws: ``TemplateError`` naming the expression and the function that failed.
    public func evaluate(_ value: JSONValue) async throws(TemplateError) -> JSONValue {
        switch value {
        case .string(let text):
            return try await evaluate(try TemplateExpression.of(text))
        case .array(let items):
            var result: [JSONValue] = []
            for item in items { result.append(try await evaluate(item)) }
            return .array(result)
        case .object(let members):
            var result = JSONObject()
            for (key, member) in members {
                if Self.isCopy(key, member), case .array(let loops) = member {
                    for (name, values) in try await copies(loops) { result[name] = .array(values) }
                    continue
                }
                guard case .string(let name) = try await evaluate(.string(key)) else {
                    throw .invalid("The member name '\(key)' must evaluate to a string.")
                }
                result[name] = try await evaluate(member)
            }
            return .object(result)
        default:
            return value
        }
    }

    /// `value` with what can be evaluated now: a member whose expression fails (it needs a
    /// resource not applied yet) is left out; nil when `value` itself cannot be evaluated.
    public func evaluateKnown(_ value: JSONValue) async -> JSONValue? {
        guard case .object(let members) = value else { return try? await evaluate(value) }
        var known = JSONObject()
        for (key, member) in members {
            if Self.isCopy(key, member), case .array(let loops) = member {
                for (name, values) in (try? await copies(loops)) ?? [] { known[name] = .array(values) }
                continue
            }
            guard case .string(let name)? = try? await evaluate(.string(key)) else { continue }
            known[name] = await evaluateKnown(member)
        }
        return .object(known)
    }

    /// One parsed expression's value.
    public func evaluate(_ expression: TemplateExpression) async throws(TemplateError) -> JSONValue {
        if case .literal = expression {} else { try budget.spend() }
        // A canceled deployment stops evaluating at once, however much is left.
        guard !Task.isCancelled else { throw .invalid("The deployment was canceled.") }
        switch expression {
        case .literal(let value):
            return value
        case .member(let base, let name):
            let object = try await evaluate(base)
            guard case .object(let members) = object else {
                throw .invalid("The language expression property '\(name)' can't be evaluated: the value is not an object.")
            }
            guard let found = object.member(caseInsensitive: name) else {
                throw .invalid("The language expression property '\(name)' doesn't exist, available properties are '\(members.keys.joined(separator: ", "))'.")
            }
            return found
        case .index(let base, let position):
            return try Self.element(of: try await evaluate(base), at: try await evaluate(position))
        case .call(let name, let arguments):
            return try bounded(try await call(name, arguments), by: name)
        }
    }

    /// Largest string (UTF-8 bytes) and largest array or object (members) a function may make:
    /// the budget bounds how often functions run and how much they make in all, these how much
    /// one may make.
    static let maximumStringBytes = 1 << 20
    static let maximumMembers = 100_000

    /// A function's result, checked against the bounds and charged to the budget.
    func bounded(_ value: JSONValue, by function: String) throws(TemplateError) -> JSONValue {
        switch value {
        case .string(let text):
            guard text.utf8.count <= Self.maximumStringBytes else {
                throw .invalid("The template function '\(function)' made a string of more than \(Self.maximumStringBytes) bytes.")
            }
            try budget.spend(bytes: text.utf8.count)
        case .array(let items):
            guard items.count <= Self.maximumMembers else {
                throw .invalid("The template function '\(function)' made an array of more than \(Self.maximumMembers) elements.")
            }
            try budget.spend(bytes: items.count)
        case .object(let members):
            guard members.count <= Self.maximumMembers else {
                throw .invalid("The template function '\(function)' made an object of more than \(Self.maximumMembers) members.")
            }
            try budget.spend(bytes: members.count)
        default:
            break
        }
        return value
    }

    static func element(of value: JSONValue, at position: JSONValue) throws(TemplateError) -> JSONValue {
        switch (value, position) {
        case (.array(let items), .integer(let index)):
            guard index >= 0, index < items.count else {
                throw .invalid("The language expression index '\(index)' is out of bounds (the array has \(items.count) items).")
            }
            return items[Int(index)]
        case (.object, .string(let key)):
            guard let found = value.member(caseInsensitive: key) else { throw .invalid("The language expression property '\(key)' doesn't exist.") }
            return found
        default:
            throw .invalid("An array is indexed by an integer and an object by a string.")
        }
    }

    /// The value of variable `name`, evaluated now.
    func variable(_ name: String) async throws(TemplateError) -> JSONValue {
        let loops = JSONValue.object(variables).member(caseInsensitive: "copy").flatMap { Self.isCopy("copy", $0) ? $0.arrayValue : nil } ?? []
        let loop = loops.first { $0.member(caseInsensitive: "name")?.stringValue?.lowercased() == name.lowercased() }
        guard let raw = loop.map({ JSONValue.array([$0]) }) ?? JSONValue.object(variables).member(caseInsensitive: name) else {
            throw .invalid("The template variable '\(name)' is not found. Please see https://aka.ms/arm-syntax-variables for usage details.")
        }
        guard !evaluating.contains(where: { $0.lowercased() == name.lowercased() }) else {
            throw .invalid("The template variables refer to each other in a loop: \((evaluating + [name]).joined(separator: " → ")).")
        }
        if let known = variableValues[name] { return known }
        // A variable means the same wherever it is used: no loop around the use reaches into it,
        // and it is evaluated once.
        var inner = self
        inner.evaluating.append(name)
        inner.copyIndices = []
        inner.valueCopyIndices = []
        let value: JSONValue
        if loop != nil, case .array(let entries) = raw {
            // `"copy": [{"name": v, …}]` in `variables`: the variable v is the loop's array.
            value = .array(try await inner.copies(entries).first?.values ?? [])
        } else {
            value = try await inner.evaluate(raw)
        }
        variableValues[name] = value
        return value
    }
}
