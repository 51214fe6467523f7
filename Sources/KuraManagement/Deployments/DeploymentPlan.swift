// kura — a self-hosted encrypted container registry.
// DeploymentPlan: a deployment request read and its template planned — before anything is written.

import Foundation
import KuraAPI
import KuraCore
import KuraTemplates

/// What a deployment PUT (or `validate`, `whatIf`) asks for, checked: its template's parameters
/// resolved, its resources expanded and ordered. A plan that cannot be made is `InvalidTemplate`.
struct DeploymentPlan: Sendable {
    let mode: String
    let template: JSONValue
    let parameters: TemplateParameters.Resolved
    let evaluator: TemplateEvaluator
    let waves: [[TemplateStep]]
    /// The parameters as a GET shows them: secure ones by type only.
    let shownParameters: JSONValue
    let templateHash: String

    /// - Throws: ``ManagementError`` `InvalidTemplate` (400) naming what is wrong.
    static func make(_ body: JSONValue?, context: TemplateContext) async throws -> DeploymentPlan {
        guard let properties = body?.member(caseInsensitive: "properties"), properties.objectValue != nil else {
            throw invalid("The deployment needs 'properties' with a 'template'.")
        }
        if properties.member(caseInsensitive: "templateLink") != nil || properties.member(caseInsensitive: "parametersLink") != nil {
            throw invalid("'templateLink' and 'parametersLink' are not supported: kura fetches nothing; send the template and its parameters inline (az does with --template-file).")
        }
        guard let template = properties.member(caseInsensitive: "template"), template.objectValue != nil else {
            throw invalid("The deployment's 'properties.template' must be the template object.")
        }
        let requestedMode = properties.member(caseInsensitive: "mode") ?? "Incremental"
        guard let mode = requestedMode.stringValue, ["incremental", "complete"].contains(mode.lowercased()) else {
            throw invalid("The deployment mode \(requestedMode.text) is not valid; use Incremental or Complete.")
        }
        if let given = properties.member(caseInsensitive: "parameters"), !given.isNull, given.objectValue == nil {
            throw invalid("The deployment's 'properties.parameters' must be an object: {\"name\": {\"value\": …}}.")
        }
        do {
            return try await planned(template, mode: mode, given: properties.member(caseInsensitive: "parameters"), context: context)
        } catch {
            throw ManagementError(status: 400, code: error.code, error.message)
        }
    }

    static func planned(_ template: JSONValue, mode: String, given: JSONValue?, context: TemplateContext) async throws(TemplateError) -> DeploymentPlan {
        try TemplateCheck.expressions(in: template)
        let parameters = try await TemplateParameters.resolve(declared: template.member(caseInsensitive: "parameters"), given: given, context: context)
        let evaluator = TemplateEvaluator(parameters: parameters.values, variables: template.member(caseInsensitive: "variables")?.objectValue ?? [:],
                                          context: context)
        let waves = try TemplateResources.waves(try await TemplateResources.steps(of: template, evaluator: evaluator))
        let hash = template.text.utf8.reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return DeploymentPlan(mode: mode.lowercased() == "complete" ? "Complete" : "Incremental", template: template, parameters: parameters,
                              evaluator: evaluator, waves: waves, shownParameters: shown(parameters), templateHash: String(hash))
    }

    static func invalid(_ message: String) -> ManagementError { ManagementError(status: 400, code: "InvalidTemplate", message) }

    /// `{"name": {"type": "String", "value": …}}`; a secure one is `{"type": "SecureString"}` only.
    static func shown(_ parameters: TemplateParameters.Resolved) -> JSONValue {
        var shown = JSONObject()
        for (name, value) in parameters.values {
            shown[name] = parameters.secure.contains(name) ? ["type": "SecureString"] : ["type": .string(typeName(value)), "value": value]
        }
        return .object(shown)
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .string: "String"
        case .integer, .double: "Int"
        case .bool: "Bool"
        case .array: "Array"
        case .object: "Object"
        case .null: "String"
        }
    }

    /// The secure parameters' values (strings), never to be shown.
    var secrets: [String] { parameters.secure.compactMap { parameters.values[$0]?.stringValue }.filter { !$0.isEmpty } }

    /// `text` with each secure parameter's value replaced by `[secure]` (a plane's error may quote a value).
    func masked(text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[secure]") }
    }

    /// `value` with every string that holds a secure parameter's value masked (what-if shows bodies).
    func masked(_ value: JSONValue) -> JSONValue {
        let secrets = self.secrets
        switch value {
        case .string(let text) where secrets.contains(where: { text.contains($0) }): return "[secure]"
        case .array(let items): return .array(items.map(masked))
        case .object(let members): return .object(members.mapValues(masked))
        default: return value
        }
    }

    /// The template's `outputs`, evaluated: `{"name": {"type", "value"}}`.
    /// Largest outputs a deployment keeps (serialized JSON): every GET and list of the
    /// deployment carries them.
    static let maximumOutputBytes = 1 << 20

    func outputs() async throws(TemplateError) -> JSONValue {
        var outputs = JSONObject()
        for (name, declaration) in template.member(caseInsensitive: "outputs")?.objectValue ?? [:] {
            let type = declaration.member(caseInsensitive: "type")?.stringValue
            // A secure output is never kept or shown (as ARM: its value is not returned).
            if type?.lowercased().hasPrefix("secure") == true {
                outputs[name] = ["type": .string(type ?? "SecureString")]
                continue
            }
            let value = try await evaluator.output(declaration)
            outputs[name] = ["type": type.map(JSONValue.string) ?? .string(Self.typeName(value)), "value": value]
        }
        // Checked without writing them: a value may share one large part many times.
        guard JSONValue.object(outputs).fits(within: Self.maximumOutputBytes) else {
            throw .invalid("The template's outputs take more than \(Self.maximumOutputBytes) bytes, the most a deployment keeps.")
        }
        return .object(outputs)
    }
}
