// kura — a self-hosted encrypted container registry.
// DeploymentPages: template deployments — list, deploy a custom template (template, then its
// parameters as a form), follow a deployment's progress.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry
import KuraTemplates

/// The seed's third way in the portal: its ARM template, uploaded (or pasted) and deployed to a
/// resource group, as "Deploy a custom template" does. The template is read here only to build
/// the parameters form; the deployment itself — validation, refusals, progress — is ARM's.
enum DeploymentPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/deployments", list),
            .get("/portal/deployments/new", newDeployment),
            // A template's form: ARM's 4 MiB, percent-encoded (up to three bytes each).
            .post("/portal/deployments/new", formLimit: 3 * ManagementAPI.maximumBodyBytes, submit),
            .get("/portal/groups/:group/deployments/:name", deployment),
            .post("/portal/groups/:group/deployments/:name/cancel", cancel),
        ]
    }

    static let draftName = "deployment"

    static func link(_ group: String, _ name: String) -> String {
        PortalLinks.group(group) + "/deployments/\(PortalLinks.escaped(name))"
    }

    @Sendable static func list(_ request: PortalRequest) async throws -> Response {
        var rows: [[String: Any]] = []
        for group in try await request.armList("\(request.subscriptionPath)/resourcegroups", apiVersion: APIVersions.groups) {
            guard let name = group["name"]?.stringValue else { continue }
            for deployment in try await request.armList("\(request.groupPath(name))/providers/Microsoft.Resources/deployments",
                                                        apiVersion: APIVersions.resources) {
                let deploymentName = deployment["name"]?.stringValue ?? ""
                rows.append(["name": deploymentName, "group": name, "state": deployment["properties"]?["provisioningState"]?.stringValue ?? "",
                             "timestamp": deployment["properties"]?["timestamp"]?.stringValue ?? "", "href": link(name, deploymentName)])
            }
        }
        rows.sort { ($0["timestamp"] as? String ?? "") > ($1["timestamp"] as? String ?? "") }
        return request.render("deployments", title: "Deployments", crumbs: [PortalView.Crumb("Deployments")], ["deployments": rows])
    }

    // MARK: Deploy a custom template

    @Sendable static func newDeployment(_ request: PortalRequest) async throws -> Response {
        let draft = request.draft(draftName)
        if request.field("step") == "parameters", let template = draft["template"] {
            return try await parametersPage(request, draft: draft, template: try parse(template), errors: [:], error: nil)
        }
        return try await templatePage(request, draft: draft, error: nil)
    }

    static func templatePage(_ request: PortalRequest, draft: [String: String], error: String?,
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        request.render("deployment-new", title: "Custom deployment", crumbs: [PortalView.Crumb("Deployments", "/portal/deployments"),
                                                                             PortalView.Crumb("Custom deployment")], [
            "groups": try await request.groupChoices(selected: draft["group"]), "name": draft["name"] ?? "",
            "template": draft["template"] ?? "", "error": error ?? false, "templateStep": true,
        ], status: status)
    }

    /// One of a template's parameters, as the form asks for it.
    struct Parameter {
        let name: String
        let definition: JSONValue
        /// `string`, `securestring`, `int`, `bool`, `object`, `secureobject` or `array` (lower-cased).
        let type: String

        var isSecure: Bool { type.hasPrefix("secure") }
        var isJSON: Bool { ["object", "secureobject", "array"].contains(type) }
        var hasDefault: Bool { definition.member(caseInsensitive: "defaultValue") != nil }
        var fallback: String { definition.member(caseInsensitive: "defaultValue").map(DeploymentPages.display) ?? "" }
        /// The values to choose from: `allowedValues`, or true/false for a bool; nil for free input.
        var choices: [String]? {
            if type == "bool" { return ["true", "false"] }
            guard !isSecure, !isJSON else { return nil }
            return definition.member(caseInsensitive: "allowedValues")?.arrayValue?.map(DeploymentPages.display)
        }

        /// The parameter's value from what was typed, as the template's type wants it.
        /// - Throws: ``PortalFailure`` naming what to type instead.
        func value(from given: String) throws -> JSONValue {
            switch type {
            case "int":
                guard let number = Int64(given.trimmingCharacters(in: .whitespaces)) else { throw PortalFailure(400, "Enter a whole number.") }
                return .integer(number)
            case "bool":
                guard ["true", "false"].contains(given) else { throw PortalFailure(400, "Choose true or false.") }
                return .bool(given == "true")
            case "object", "secureobject", "array":
                guard let value = try? JSONValue(parsing: given), (type == "array") == (value.arrayValue != nil),
                      (type == "array") || value.objectValue != nil else {
                    throw PortalFailure(400, "Enter JSON (\(type == "array" ? "[…]" : "{…}")).")
                }
                return value
            default:
                return .string(given)
            }
        }
    }

    /// The template's parameters, in its order.
    static func parameters(of template: JSONValue) -> [Parameter] {
        (template.member(caseInsensitive: "parameters")?.objectValue ?? [:]).map { name, definition in
            Parameter(name: name, definition: definition, type: (definition.member(caseInsensitive: "type")?.stringValue ?? "string").lowercased())
        }
    }

    /// The template's parameters as form fields: a list for `allowedValues` and booleans, a
    /// password field for secure strings, JSON for objects and arrays (secure ones never shown back).
    static func parametersPage(_ request: PortalRequest, draft: [String: String], template: JSONValue, errors: [String: String],
                               error: Refusal?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let fields = parameters(of: template).enumerated().map { index, parameter -> [String: Any] in
            let shown = parameter.isSecure ? "" : (draft["parameter:\(parameter.name)"] ?? parameter.fallback)
            let choices = parameter.choices
            return [
                "name": parameter.name, "id": "parameter-\(index)", "type": parameter.type, "hasDefault": parameter.hasDefault,
                "description": parameter.definition.member(caseInsensitive: "metadata")?.member(caseInsensitive: "description")?.stringValue ?? false,
                "value": shown, "password": parameter.type == "securestring", "json": parameter.isJSON,
                "choices": (choices ?? []).map { ["value": $0, "selected": $0 == shown] }, "hasChoices": choices != nil,
                "plain": choices == nil && !parameter.isSecure && !parameter.isJSON, "error": errors[parameter.name] ?? false,
            ]
        }
        return request.render("deployment-new", title: "Custom deployment", crumbs: [PortalView.Crumb("Deployments", "/portal/deployments"),
                                                                                   PortalView.Crumb("Custom deployment")], [
            "parametersStep": true, "group": draft["group"] ?? "", "name": draft["name"] ?? "", "fields": fields,
            "error": error?.message ?? false,
        ], status: status)
    }

    /// A parameter value as the form shows it (strings bare, anything else as JSON).
    static func display(_ value: JSONValue) -> String { value.stringValue ?? value.text }

    static func parse(_ template: String) throws -> JSONValue {
        do {
            let parsed = try TemplateText.parse(Array(template.utf8))
            return parsed.member(caseInsensitive: "template") ?? parsed
        } catch {
            throw PortalFailure(400, "The template is not valid JSON: \(error.message)")
        }
    }

    @Sendable static func submit(_ request: PortalRequest) async throws -> Response {
        var draft = request.draft(draftName)
        switch request.field("action") {
        case "parameters":
            let template = request.form["template"] ?? ""
            // The same template again (Previous, then Next) keeps the values typed for it.
            let kept = draft["template"] == template ? draft.filter { $0.key.hasPrefix("parameter:") } : [:]
            draft = ["group": request.field("group"), "name": request.field("name"), "template": template].merging(kept) { $1 }
            request.saveDraft(draftName, draft)
            guard !draft["group"]!.isEmpty, !draft["name"]!.isEmpty else {
                return try await templatePage(request, draft: draft, error: "Choose a resource group and name the deployment.", status: .badRequest)
            }
            guard template.utf8.count <= ManagementAPI.maximumBodyBytes else {
                return try await templatePage(request, draft: draft, error: "The template is larger than ARM takes (4 MiB).", status: .badRequest)
            }
            do {
                _ = try parse(template)
            } catch let failure as PortalFailure {
                return try await templatePage(request, draft: draft, error: failure.message, status: .badRequest)
            }
            return request.redirect("/portal/deployments/new?step=parameters")
        case "deploy":
            guard let text = draft["template"] else { return request.redirect("/portal/deployments/new") }
            let template = try parse(text)
            var values = JSONObject()
            var errors: [String: String] = [:]
            for parameter in parameters(of: template) {
                let given = request.form["parameter:\(parameter.name)"] ?? ""
                if !parameter.isSecure { draft["parameter:\(parameter.name)"] = given }
                if given.isEmpty, parameter.hasDefault { continue }
                do {
                    values[parameter.name] = ["value": try parameter.value(from: given)]
                } catch let failure as PortalFailure {
                    errors[parameter.name] = failure.message
                }
            }
            request.saveDraft(draftName, draft)
            guard errors.isEmpty else {
                return try await parametersPage(request, draft: draft, template: template, errors: errors, error: nil, status: .badRequest)
            }
            let group = draft["group"] ?? "", name = draft["name"] ?? ""
            if let refusal = try await request.refusal(of: {
                try await request.arm("PUT", request.deploymentPath(group, name),
                                      apiVersion: APIVersions.resources,
                                      body: ["properties": ["mode": "Incremental", "template": template, "parameters": .object(values)]])
            }) {
                return try await parametersPage(request, draft: draft, template: template, errors: [:], error: refusal, status: .badRequest)
            }
            request.saveDraft(draftName, [:])
            NotificationPages.track(deployment: name, in: group, request: request)
            return request.redirect(link(group, name), notice: "Deployment '\(name)' started.")
        default:
            return request.redirect("/portal/deployments/new")
        }
    }

    // MARK: One deployment

    @Sendable static func deployment(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("name"))
        let path = request.deploymentPath(group, name)
        let deployment = try await request.arm("GET", path, apiVersion: APIVersions.resources)
        let properties = deployment?["properties"]
        let state = properties?["provisioningState"]?.stringValue ?? ""
        let operations = try await request.armList(path + "/operations", apiVersion: APIVersions.resources).map { operation -> [String: Any] in
            let details = operation["properties"]
            return ["resource": details?["targetResource"]?["resourceName"]?.stringValue ?? "",
                    "type": details?["targetResource"]?["resourceType"]?.stringValue ?? "",
                    "state": details?["provisioningState"]?.stringValue ?? "", "status": details?["statusCode"]?.stringValue ?? "",
                    "message": details?["statusMessage"]?["message"]?.stringValue ?? ""]
        }
        let outputs = (properties?["outputs"]?.objectValue ?? [:]).map { key, value -> [String: Any] in
            ["name": key, "value": value["value"].map(display) ?? ""]
        }
        let running = ["Accepted", "Running"].contains(state)
        return request.render("deployment", title: name, crumbs: [PortalView.Crumb("Deployments", "/portal/deployments"), PortalView.Crumb(name)], [
            "name": name, "group": group, "state": state, "running": running, "failed": state == "Failed",
            "timestamp": properties?["timestamp"]?.stringValue ?? "", "duration": properties?["duration"]?.stringValue ?? "",
            "error": properties?["error"]?["message"]?.stringValue ?? false, "operations": operations, "outputs": outputs,
            "cancelAction": link(group, name) + "/cancel",
        ])
    }

    @Sendable static func cancel(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("name"))
        try await request.arm("POST", request.deploymentPath(group, name) + "/cancel",
                              apiVersion: APIVersions.resources)
        return request.redirect(link(group, name), notice: "Deployment '\(name)' canceled.")
    }
}
