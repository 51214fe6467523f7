// kura — a self-hosted encrypted container registry.
// HomePages: the home page (resource groups and resources, search by name) and resource groups.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

/// `/portal/` lists what the user may read; `/portal/groups/…` creates, shows and deletes groups.
enum HomePages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/", home),
            .get("/portal/new-group", newGroup),
            .post("/portal/groups", createGroup),
            .get("/portal/groups/:group", group),
            .post("/portal/groups/:group/delete", deleteGroup),
        ]
    }

    @Sendable static func home(_ request: PortalRequest) async throws -> Response {
        let search = request.field("search")
        let groups = try await request.armList("\(request.subscriptionPath)/resourcegroups", apiVersion: APIVersions.groups)
        let resources = try await request.armList("\(request.subscriptionPath)/resources", apiVersion: APIVersions.resources)
        func matches(_ item: JSONValue) -> Bool {
            search.isEmpty || (item["name"]?.stringValue ?? "").localizedCaseInsensitiveContains(search)
        }
        let scopes = [request.subscriptionScope] + groups.compactMap { $0["id"]?.stringValue.flatMap(ResourceID.init(parsing:)) }
        func canCreate(_ type: String) -> Bool { scopes.contains { request.may("\(type)/write", at: $0) } }
        return request.render("home", title: "Home", crumbs: [], [
            "search": search, "searching": !search.isEmpty,
            "groups": groups.filter(matches).map(groupRow),
            "resources": resources.filter(matches).map(resourceRow),
            "hasAny": !groups.isEmpty || !resources.isEmpty,
            "canCreateGroup": request.may("\(ResourceTypes.group)/write", at: request.subscriptionScope),
            "canCreateIdentity": canCreate(ResourceTypes.identity),
            "canCreateVault": canCreate(ResourceTypes.vault),
            "canCreateRegistry": canCreate(ResourceTypes.registry),
        ])
    }

    static func groupRow(_ group: JSONValue) -> [String: Any] {
        let name = group["name"]?.stringValue ?? ""
        return ["name": name, "location": group["location"]?.stringValue ?? "", "href": PortalLinks.group(name)]
    }

    static func resourceRow(_ resource: JSONValue) -> [String: Any] {
        let id = resource["id"]?.stringValue.flatMap(ResourceID.init(parsing:))
        let type = resource["type"]?.stringValue ?? ""
        return ["name": resource["name"]?.stringValue ?? "", "kind": PortalLinks.kind(of: type), "group": id?.resourceGroup ?? "",
                "location": resource["location"]?.stringValue ?? "", "href": id.flatMap(PortalLinks.page(of:)) ?? false]
    }

    @Sendable static func newGroup(_ request: PortalRequest) async throws -> Response {
        groupForm(request, name: "", location: "japaneast", error: nil)
    }


    static func groupForm(_ request: PortalRequest, name: String, location: String, error: Refusal?, status: HTTPResponse.Status = .ok) -> Response {
        request.render("group-new", title: "Create a resource group", crumbs: [PortalView.Crumb("Create a resource group")],
                       ["name": name, "location": location].merging(error.formModel(fields: [.location, .groupName])) { $1 }, status: status)
    }

    @Sendable static func createGroup(_ request: PortalRequest) async throws -> Response {
        try request.requireFields("name", "location")
        let name = request.field("name"), location = request.field("location")
        if let refusal = try await request.refusal(of: {
            try await request.arm("PUT", request.groupPath(name), apiVersion: APIVersions.groups, body: ["location": .string(location)])
        }) {
            return groupForm(request, name: name, location: location, error: refusal, status: .badRequest)
        }
        return request.redirect(PortalLinks.group(name), notice: "Resource group '\(name)' created.")
    }

    @Sendable static func group(_ request: PortalRequest) async throws -> Response {
        let name = try request.parameter("group")
        let group = try await request.arm("GET", request.groupPath(name), apiVersion: APIVersions.groups)
        let resources = try await request.armList("\(request.groupPath(name))/resources", apiVersion: APIVersions.resources)
        return request.render("group", title: name, crumbs: [PortalView.Crumb(name)], [
            "name": name, "nameQuery": PortalLinks.escaped(name),
            "location": group?["location"]?.stringValue ?? "",
            "id": group?["id"]?.stringValue ?? "",
            "resources": resources.map(resourceRow),
            "canDelete": request.may("\(ResourceTypes.group)/delete", at: request.groupID(name)),
            "deleteAction": PortalLinks.group(name) + "/delete", "confirmName": name,
            "deleteWarning": "Everything the group holds is deleted with it.",
        ])
    }

    @Sendable static func deleteGroup(_ request: PortalRequest) async throws -> Response {
        let name = try request.parameter("group")
        try request.requireConfirmation(of: name)
        try await request.arm("DELETE", request.groupPath(name), apiVersion: APIVersions.groups)
        return request.redirect("/portal/", notice: "Resource group '\(name)' and everything in it deleted.")
    }
}
