// kura — a self-hosted encrypted container registry.
// TemplateCheck: a whole template's expressions checked before anything is evaluated.

public import KuraAPI

/// What ARM validates of a template before it deploys anything: every expression in it (member
/// names included — a registry's `userAssignedIdentities` are keyed by one) parses, and every
/// function it calls is one this evaluator knows. An expression that is only evaluated when its
/// resource is applied is thus refused by `validate` and `whatIf` too, not halfway through a run.
public enum TemplateCheck {
    /// Members ARM never evaluates.
    static let unevaluated: Set<String> = ["$schema", "contentversion", "metadata"]

    /// - Throws: ``TemplateError`` `InvalidTemplate` naming the first wrong expression or unknown
    ///   function and where it is (`resources[1].properties.location`).
    public static func expressions(in template: JSONValue) throws(TemplateError) {
        try walk(template, path: "")
    }

    static func walk(_ value: JSONValue, path: String) throws(TemplateError) {
        switch value {
        case .string(let text):
            try check(text, at: path)
        case .array(let items):
            for (index, item) in items.enumerated() { try walk(item, path: "\(path)[\(index)]") }
        case .object(let members):
            for (key, member) in members where !unevaluated.contains(key.lowercased()) {
                let here = path.isEmpty ? key : "\(path).\(key)"
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
