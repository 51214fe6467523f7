// kura — a self-hosted encrypted container registry.
// TemplateCopy: ARM's `copy` loops inside values — properties, variables and outputs.

public import KuraAPI

/// `copy` below a resource: a member `"copy": [{"name", "count", "input"}]` of any object of a
/// resource's body makes a member `name` that is the array of `count` (0…800) evaluations of
/// `input`, `copyIndex('name')` counting from 0 (property iteration; the same form in
/// `variables` makes variables). An output's `"copy": {"count", "input"}` makes its value such an
/// array, `copyIndex()` counting.
extension TemplateEvaluator {
    /// Iterations one loop may have (ARM's limit).
    static let maximumCopies: Int64 = 800

    /// Each loop of a `copy` array as its name and its evaluated elements, in order.
    /// - Throws: ``TemplateError`` when an entry is not `{"name", "count", "input"}` or its count is
    ///   outside 0…800.
    func copies(_ loops: [JSONValue]) async throws(TemplateError) -> [(name: String, values: [JSONValue])] {
        var result: [(name: String, values: [JSONValue])] = []
        for loop in loops {
            guard let name = loop.member(caseInsensitive: "name")?.stringValue, let input = loop.member(caseInsensitive: "input") else {
                throw .invalid("A property 'copy' loop needs a 'name', a 'count' and an 'input'.")
            }
            var values: [JSONValue] = []
            for index in 0..<(try await count(of: loop, named: name)) {
                try budget.spend()
                var scoped = self
                scoped.valueCopyIndices.append((loop: name, index: index))
                values.append(try await scoped.evaluate(input))
            }
            result.append((name, values))
        }
        return result
    }

    /// An output's value: its `value`, or the array its `copy` makes.
    public func output(_ declaration: JSONValue) async throws(TemplateError) -> JSONValue {
        guard let copy = declaration.member(caseInsensitive: "copy") else {
            return try await evaluate(declaration.member(caseInsensitive: "value") ?? .null)
        }
        guard let input = copy.member(caseInsensitive: "input") else { throw .invalid("An output's 'copy' needs a 'count' and an 'input'.") }
        var values: [JSONValue] = []
        for index in 0..<(try await count(of: copy, named: "output")) {
            try budget.spend()
            var scoped = self
            scoped.copyIndices = [(loop: "output", index: index)]
            values.append(try await scoped.evaluate(input))
        }
        return .array(values)
    }

    /// A loop's evaluated `count`, checked.
    func count(of loop: JSONValue, named name: String) async throws(TemplateError) -> Int {
        guard case .integer(let count) = try await evaluate(loop.member(caseInsensitive: "count") ?? .null) else {
            throw .invalid("The copy loop '\(name)' needs an integer 'count'.")
        }
        guard (0...Self.maximumCopies).contains(count) else {
            throw .invalid("The copy loop '\(name)' count \(count) is outside 0…\(Self.maximumCopies).")
        }
        return Int(count)
    }

    /// Whether `key: value` is a property `copy` (rather than a member that happens to be named so).
    static func isCopy(_ key: String, _ value: JSONValue) -> Bool {
        key.lowercased() == "copy" && value.arrayValue?.allSatisfy { $0.objectValue != nil } == true
    }
}
