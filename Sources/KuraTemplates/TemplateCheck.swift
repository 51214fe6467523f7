// kura — a self-hosted encrypted container registry.
// TemplateCheck: a whole template's expressions checked before anything is evaluated.

public import KuraAPI

/// What ARM validates of a template before it deploys anything: every expression in the places
/// kura evaluates (member names included — a registry's `userAssignedIdentities` are keyed by
/// one) parses, and every function it calls is one this evaluator knows. An expression that is
/// only evaluated when its resource is applied is thus refused by `validate` and `whatIf` too,
/// not halfway through a run. What is never evaluated — `$schema`, `metadata` and `comments`
/// beside the declarations, `allowedValues` (compared as written) — is not checked.
public enum TemplateCheck {
    /// The members of a resource declaration that are evaluated (besides nested `resources`).
    static let resourceMembers: Set<String> = TemplateStep.bodyMembers.union(["type", "name", "condition", "dependsOn", "copy"].map { $0.lowercased() })
    /// The members of an output that are evaluated.
    static let outputMembers: Set<String> = ["value", "copy"]

    /// - Throws: ``TemplateError`` `InvalidTemplate` naming the first wrong expression or unknown
    ///   function and where it is (`resources[1].properties.location`).
    public static func expressions(in template: JSONValue) throws(TemplateError) {
        for (name, declaration) in template.member(caseInsensitive: "parameters")?.objectValue ?? [:] {
            if let value = declaration.member(caseInsensitive: "defaultValue") { try walk(value, path: "parameters.\(name).defaultValue") }
        }
        if let variables = template.member(caseInsensitive: "variables") { try walk(variables, path: "variables") }
        try resources(template.member(caseInsensitive: "resources"), path: "resources")
        if let loops = template.member(caseInsensitive: "variables")?.member(caseInsensitive: "copy")?.arrayValue {
            for loop in loops {
                if let name = loop.member(caseInsensitive: "name")?.stringValue,
                   template.member(caseInsensitive: "variables")?.objectValue?.keys.contains(where: { $0.lowercased() == name.lowercased() }) == true {
                    throw .invalid("The variable '\(name)' is declared twice: as a variable and as a 'copy' loop of 'variables'.")
                }
            }
        }
        for (name, declaration) in template.member(caseInsensitive: "outputs")?.objectValue ?? [:] {
            for (key, value) in declaration.objectValue ?? [:] where outputMembers.contains(key.lowercased()) {
                try walk(value, path: "outputs.\(name).\(key)")
            }
            if let copy = declaration.member(caseInsensitive: "copy") {
                let path = "outputs.\(name).copy"
                guard declaration.member(caseInsensitive: "value") == nil else { throw .invalid("The output '\(name)' has both a 'value' and a 'copy'.") }
                guard declaration.member(caseInsensitive: "type")?.stringValue?.lowercased() == "array" else {
                    throw .invalid("The output '\(name)' makes an array with its 'copy': its type must be 'array'.")
                }
                guard copy.objectValue != nil, copy.member(caseInsensitive: "input") != nil else {
                    throw .invalid("An output's 'copy' needs a 'count' and an 'input' (in '\(path)').")
                }
                try literalCount(copy, at: path)
            }
        }
    }

    /// A `copy` member below a resource or in `variables`: an array of `{name, count, input}`
    /// loops with distinct names, each literal count an integer within 0…800.
    static func copyLoops(_ value: JSONValue, at path: String) throws(TemplateError) {
        guard let loops = value.arrayValue else {
            throw .invalid("A 'copy' in a resource's body or in 'variables' must be an array of {name, count, input} loops (in '\(path)').")
        }
        var names = Set<String>()
        for (index, loop) in loops.enumerated() {
            let here = "\(path)[\(index)]"
            guard let name = loop.member(caseInsensitive: "name")?.stringValue, loop.member(caseInsensitive: "input") != nil else {
                throw .invalid("A property 'copy' loop needs a 'name', a 'count' and an 'input' (in '\(here)').")
            }
            guard names.insert(name.lowercased()).inserted else { throw .invalid("Two 'copy' loops are named '\(name)' (in '\(path)').") }
            try literalCount(loop, at: here)
        }
    }

    /// A loop's `count` when it is written as a value (an expression is evaluated later).
    static func literalCount(_ loop: JSONValue, at path: String) throws(TemplateError) {
        guard let count = loop.member(caseInsensitive: "count") else { throw .invalid("A 'copy' loop needs a 'count' (in '\(path)').") }
        if case .string(let text) = count, text.hasPrefix("["), text.hasSuffix("]"), !text.hasPrefix("[[") { return }
        guard case .integer(let value) = count, (0...TemplateEvaluator.maximumCopies).contains(value) else {
            throw .invalid("A 'copy' loop's count must be an integer from 0 to \(TemplateEvaluator.maximumCopies), not \(count.text) (in '\(path)').")
        }
    }

    static func resources(_ list: JSONValue?, path: String) throws(TemplateError) {
        for (index, resource) in (list?.arrayValue ?? []).enumerated() {
            for (key, value) in resource.objectValue ?? [:] {
                let here = "\(path)[\(index)].\(key)"
                if key.lowercased() == "resources" {
                    try resources(value, path: here)
                } else if resourceMembers.contains(key.lowercased()) {
                    try walk(value, path: here)
                }
            }
        }
    }

    static func walk(_ value: JSONValue, path: String) throws(TemplateError) {
        switch value {
        case .string(let text):
            try check(text, at: path)
        case .array(let items):
            for (index, item) in items.enumerated() { try walk(item, path: "\(path)[\(index)]") }
        case .object(let members):
            for (key, member) in members {
                let here = "\(path).\(key)"
                if key.lowercased() == "copy" { try copyLoops(member, at: here) }
                try check(key, at: here)
                try walk(member, path: here)
            }
        default:
            return
        }
    }
    static func check(_ text: String, at path: String) throws(TemplateError) {
        let expression: TemplateExpression
        do {
            expression = try TemplateExpression.of(text)
        } catch {
            throw .invalid("\(error.message) It is used in '\(path)'.")
        }
        try functions(in: expression, at: path)
    }

    static func functions(in expression: TemplateExpression, at path: String) throws(TemplateError) {
        switch expression {
        case .literal:
            return
        case .member(let base, _):
            try functions(in: base, at: path)
        case .index(let base, let position):
            try functions(in: base, at: path)
            try functions(in: position, at: path)
        case .call(let name, let arguments):
            if let refusal = TemplateEvaluator.refusal(of: name) { throw .invalid("\(refusal.message) It is used in '\(path)'.") }
            for argument in arguments { try functions(in: argument, at: path) }
        }
    }
}
