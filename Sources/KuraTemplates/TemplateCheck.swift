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
        for (name, declaration) in template.member(caseInsensitive: "outputs")?.objectValue ?? [:] {
            for (key, value) in declaration.objectValue ?? [:] where outputMembers.contains(key.lowercased()) {
                try walk(value, path: "outputs.\(name).\(key)")
            }
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
