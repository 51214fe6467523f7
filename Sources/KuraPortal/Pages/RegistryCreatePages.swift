// kura — a self-hosted encrypted container registry.
// RegistryCreatePages: Create a container registry — the Basics and Encryption tabs, Review + create.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

/// The seed's portal steps: Basics (group, name, location, SKU), Encryption (customer-managed key
/// enabled, identity, the key picked from a vault), Review + create. What has been entered is kept
/// in the session between tabs (and across the key picker), so every tab works without script.
enum RegistryCreatePages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/registries/new", tab),
            .post("/portal/registries/new", submit),
        ]
    }

    static let draftName = "registry"
    static let fields = ["group", "name", "location", "sku", "cmk", "identity", "keyId"]
    static let tabs = [("basics", "Basics"), ("encryption", "Encryption"), ("review", "Review + create")]

    @Sendable static func tab(_ request: PortalRequest) async throws -> Response {
        var draft = request.draft(draftName)
        if draft.isEmpty { draft = ["location": "japaneast", "sku": "Premium", "cmk": "disabled"] }
        // "Create container registry" from a group's page names the group.
        if !request.field("group").isEmpty { draft["group"] = request.field("group") }
        request.saveDraft(draftName, draft)
        let current = ["basics", "encryption", "review"].contains(request.field("tab")) ? request.field("tab") : "basics"
        return try await page(request, draft: draft, tab: current, error: nil)
    }

    /// The fields a registry's refusals may concern, and the tab each is on.
    static let formFields: [FormField] = [.sku, .group, .identity, .keyIdentifier, .location, .name]
    static let tabOfField = ["sku": "basics", "group": "basics", "location": "basics", "name": "basics", "keyId": "encryption", "identity": "encryption"]

    static func page(_ request: PortalRequest, draft: [String: String], tab: String, error: Refusal?,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        // A refusal about a field is shown on that field's tab, beside it.
        let tab = error?.field(among: formFields).flatMap { tabOfField[$0] } ?? tab
        func options(_ values: [String], _ chosen: String?) -> [[String: Any]] { values.map { ["value": $0, "selected": $0 == chosen] } }
        var identities: [[String: Any]] = []
        if tab != "basics" {
            for identity in try await request.armList("\(request.subscriptionPath)/providers/\(ResourceTypes.identity)",
                                                      apiVersion: APIVersions.identities) {
                let id = identity["id"]?.stringValue ?? ""
                identities.append(["id": id, "name": identity["name"]?.stringValue ?? "", "selected": id.lowercased() == draft["identity"]?.lowercased()])
            }
        }
        let identityName = identities.first { $0["selected"] as? Bool == true }?["name"] as? String ?? ""
        return request.render("registry-new", title: "Create container registry", crumbs: [PortalView.Crumb("Create container registry")], [
            "tabs": tabs.map { ["id": $0.0, "name": $0.1, "current": $0.0 == tab] },
            "basics": tab == "basics", "encryption": tab == "encryption", "review": tab == "review",
            "groups": try await request.groupChoices(selected: draft["group"]),
            "name": draft["name"] ?? "", "location": draft["location"] ?? "", "group": draft["group"] ?? "",
            "skus": options(["Basic", "Standard", "Premium"], draft["sku"]), "sku": draft["sku"] ?? "",
            "premium": draft["sku"] == "Premium",
            "cmkEnabled": draft["cmk"] == "enabled", "identities": identities, "identityName": identityName,
            "keyId": draft["keyId"] ?? "",
        ].merging(error.formModel(fields: formFields)) { $1 }, status: status)
    }

    /// A tab's form: its fields are kept, then `action` says where to go — another tab, the key
    /// picker, or `create`.
    @Sendable static func submit(_ request: PortalRequest) async throws -> Response {
        var draft = request.draft(draftName)
        for name in fields where request.form[name] != nil { draft[name] = request.field(name) }
        request.saveDraft(draftName, draft)
        switch request.field("action") {
        case "picker": return request.redirect("/portal/key-picker?for=registry")
        case "create": return try await create(request, draft: draft)
        case "encryption", "review", "basics": return request.redirect("/portal/registries/new?tab=\(request.field("action"))")
        default: return request.redirect("/portal/registries/new")
        }
    }

    static func create(_ request: PortalRequest, draft: [String: String]) async throws -> Response {
        let group = draft["group"] ?? "", name = draft["name"] ?? ""
        guard !group.isEmpty, !name.isEmpty else {
            return try await page(request, draft: draft, tab: "basics",
                                  error: Refusal(status: 400, code: "", message: "Choose a resource group and name the registry."), status: .badRequest)
        }
        var body: JSONValue = ["location": .string(draft["location"] ?? ""), "sku": ["name": .string(draft["sku"] ?? "")]]
        var properties: JSONValue = ["adminUserEnabled": false]
        if draft["cmk"] == "enabled" {
            guard let identityID = draft["identity"], !identityID.isEmpty else {
                return try await page(request, draft: draft, tab: "encryption",
                                      error: Refusal(status: 400, code: "", message: "Select the identity that reaches the key."), status: .badRequest)
            }
            guard let keyID = draft["keyId"], !keyID.isEmpty else {
                return try await page(request, draft: draft, tab: "encryption",
                                      error: Refusal(status: 400, code: "", message: "Select an encryption key from a key vault."), status: .badRequest)
            }
            body["identity"] = ["type": "UserAssigned", "userAssignedIdentities": .object(JSONObject([(identityID, .object([:]))]))]
            var clientID = ""
            if let refusal = try await request.refusal(of: {
                clientID = try await request.arm("GET", identityID, apiVersion: APIVersions.identities)?["properties"]?["clientId"]?.stringValue ?? ""
            }) {
                return try await page(request, draft: draft, tab: "encryption", error: refusal, status: .badRequest)
            }
            properties["encryption"] = ["status": "enabled", "keyVaultProperties": ["keyIdentifier": .string(keyID), "identity": .string(clientID)]]
        }
        body["properties"] = properties
        if let refusal = try await request.refusal(of: {
            try await request.arm("PUT", request.resourcePath(group, ResourceTypes.registry, name), apiVersion: APIVersions.registries, body: body)
        }) {
            return try await page(request, draft: draft, tab: "review", error: refusal, status: .badRequest)
        }
        request.saveDraft(draftName, [:])
        return request.redirect(RegistryPages.link(group, name), notice: "Container registry '\(name)' created.")
    }
}
