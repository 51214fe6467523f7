// kura — a self-hosted encrypted container registry.
// AccessControlPages: a registry's Access control (IAM) — its role assignments, add (AcrPull,
// AcrPush, … for a principal), remove.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

enum AccessControlPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/groups/:group/registries/:registry/access-control", list),
            .post("/portal/groups/:group/registries/:registry/access-control/add", add),
            .post("/portal/groups/:group/registries/:registry/access-control/remove", remove),
        ]
    }

    static let authorization = "/providers/Microsoft.Authorization"

    @Sendable static func list(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        return try await page(request, group, name, error: nil)
    }

    static func page(_ request: PortalRequest, _ group: String, _ name: String, error: Refusal?,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let scope = request.resourcePath(group, ResourceTypes.registry, name)
        _ = try await RegistryPages.document(request, group, name)
        let definitions = try await request.armList(scope + authorization + "/roleDefinitions", apiVersion: APIVersions.roleAssignments)
        var roleNames: [String: String] = [:]
        for definition in definitions {
            if let id = definition["id"]?.stringValue, let role = definition["properties"]?["roleName"]?.stringValue { roleNames[id.lowercased()] = role }
        }
        let registryID = request.resourceID(group, ResourceTypes.registry, name)
        var rows: [[String: Any]] = []
        for assignment in try await request.armList(scope + authorization + "/roleAssignments", apiVersion: APIVersions.roleAssignments) {
            let properties = assignment["properties"]
            let principalID = properties?["principalId"]?.stringValue ?? ""
            let principal = try await request.services.directory.principal(objectID: principalID)
            let assignedAt = properties?["scope"]?.stringValue ?? ""
            let inherited = ResourceID(parsing: assignedAt).map { $0.key != registryID.key } ?? true
            rows.append(["principal": principal?.displayName ?? principalID, "kind": principal.map(PrincipalPicker.kindName) ?? "Unknown",
                         "role": roleNames[(properties?["roleDefinitionId"]?.stringValue ?? "").lowercased()] ?? "",
                         "scope": inherited ? (assignedAt.isEmpty ? "" : "Inherited from \(assignedAt)") : "This resource",
                         "id": assignment["id"]?.stringValue ?? "", "removable": !inherited])
        }
        let search = request.field("search")
        let canWrite = request.may("Microsoft.Authorization/roleAssignments/write", at: registryID)
        let candidates = canWrite ? try await PrincipalPicker.rows(search, request: request, selected: request.field("principal")) : []
        return request.render("access-control", title: "\(name) | Access control (IAM)",
                              crumbs: RegistryPages.crumbs(group, name, "Access control (IAM)"), [
            "name": name, "menu": RegistryPages.menu(group, name, current: "Access control (IAM)"), "assignments": rows,
            "roles": definitions.compactMap { definition -> [String: Any]? in
                guard let id = definition["id"]?.stringValue, let role = definition["properties"]?["roleName"]?.stringValue else { return nil }
                return ["id": id, "name": role, "selected": id == request.field("role")]
            }.sorted { ($0["name"] as? String ?? "") < ($1["name"] as? String ?? "") },
            "search": search, "searched": !search.isEmpty, "candidates": candidates, "canWrite": canWrite, "error": error?.message ?? false,
            "here": RegistryPages.link(group, name, "/access-control"),
            "addAction": RegistryPages.link(group, name, "/access-control/add"),
            "removeAction": RegistryPages.link(group, name, "/access-control/remove"),
        ], status: status)
    }

    @Sendable static func add(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        let role = request.field("role"), principalID = request.field("principal")
        guard !principalID.isEmpty else {
            return try await page(request, group, name, error: Refusal(status: 400, code: "", message: "Select a member."), status: .badRequest)
        }
        let principal = try await request.services.directory.principal(objectID: principalID)
        let principalType = principal?.kind == .user ? "User" : "ServicePrincipal"
        let path = request.resourcePath(group, ResourceTypes.registry, name) + authorization + "/roleAssignments/\(UUID().uuidString.lowercased())"
        if let refusal = try await request.refusal(of: {
            try await request.arm("PUT", path, apiVersion: APIVersions.roleAssignments, body: ["properties": [
                "roleDefinitionId": .string(role), "principalId": .string(principalID), "principalType": .string(principalType)]])
        }) {
            return try await page(request, group, name, error: refusal, status: .badRequest)
        }
        return request.redirect(RegistryPages.link(group, name, "/access-control"), notice: "Role assignment added.")
    }

    @Sendable static func remove(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        let id = request.field("id")
        guard id.lowercased().hasPrefix(request.resourcePath(group, ResourceTypes.registry, name).lowercased() + authorization.lowercased() + "/roleassignments/")
        else { throw PortalFailure(400, "That role assignment is not one of this registry's.") }
        try await request.arm("DELETE", id, apiVersion: APIVersions.roleAssignments)
        return request.redirect(RegistryPages.link(group, name, "/access-control"), notice: "Role assignment removed.")
    }
}
