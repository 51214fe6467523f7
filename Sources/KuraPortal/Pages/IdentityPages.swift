// kura — a self-hosted encrypted container registry.
// IdentityPages: user-assigned managed identities — create and show (client id, principal id, id).

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

enum IdentityPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/identities/new", newIdentity),
            .post("/portal/identities", createIdentity),
            .get("/portal/groups/:group/identities/:name", identity),
        ]
    }

    @Sendable static func newIdentity(_ request: PortalRequest) async throws -> Response {
        try await form(request, fields: ["group": request.field("group"), "location": "japaneast"], error: nil)
    }


    static func form(_ request: PortalRequest, fields: [String: String], error: Refusal?, status: HTTPResponse.Status = .ok) async throws -> Response {
        request.render("identity-new", title: "Create user assigned managed identity",
                       crumbs: [PortalView.Crumb("Create user assigned managed identity")], [
                           "name": fields["name"] ?? "", "location": fields["location"] ?? "",
                           "groups": try await request.groupChoices(selected: fields["group"]),
                       ].merging(error.formModel(fields: [.group, .location, .name])) { $1 }, status: status)
    }

    @Sendable static func createIdentity(_ request: PortalRequest) async throws -> Response {
        try request.requireFields("name", "group", "location")
        let fields = ["name": request.field("name"), "group": request.field("group"), "location": request.field("location")]
        let (group, name) = (fields["group"]!, fields["name"]!)
        if let refusal = try await request.refusal(of: {
            try await request.arm("PUT", request.resourcePath(group, ResourceTypes.identity, name), apiVersion: APIVersions.identities,
                                  body: ["location": .string(fields["location"]!)])
        }) {
            return try await form(request, fields: fields, error: refusal, status: .badRequest)
        }
        return request.redirect(PortalLinks.group(group) + "/identities/\(PortalLinks.escaped(name))",
                                notice: "Managed identity '\(name)' created.")
    }

    @Sendable static func identity(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("name"))
        let identity = try await request.arm("GET", request.resourcePath(group, ResourceTypes.identity, name), apiVersion: APIVersions.identities)
        return request.render("identity", title: name, crumbs: [PortalView.Crumb(group, PortalLinks.group(group)),
                                                                PortalView.Crumb(name)], [
            "name": name, "group": group,
            "location": identity?["location"]?.stringValue ?? "",
            "id": identity?["id"]?.stringValue ?? "",
            "clientId": identity?["properties"]?["clientId"]?.stringValue ?? "",
            "principalId": identity?["properties"]?["principalId"]?.stringValue ?? "",
            "tenantId": identity?["properties"]?["tenantId"]?.stringValue ?? "",
        ])
    }
}

extension PortalRequest {
    /// The resource groups the user can see, as `<select>` options (`selected` chosen).
    func groupChoices(selected: String?) async throws -> [[String: Any]] {
        try await armList("\(subscriptionPath)/resourcegroups", apiVersion: APIVersions.groups).compactMap { $0["name"]?.stringValue }
            .map { ["name": $0, "selected": $0.lowercased() == selected?.lowercased()] }
    }
}
