// kura — a self-hosted encrypted container registry.
// AccessPolicyPages: a vault's access policies — list, add (permissions grouped as Azure's portal
// groups them, a principal picker), remove.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

enum AccessPolicyPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/groups/:group/vaults/:vault/access-policies", list),
            .get("/portal/groups/:group/vaults/:vault/access-policies/new", newPolicy),
            .post("/portal/groups/:group/vaults/:vault/access-policies/new", addPolicy),
            .post("/portal/groups/:group/vaults/:vault/access-policies/remove", removePolicy),
        ]
    }

    /// A group of permission checkboxes: its heading and its permissions (wire name, label).
    struct PermissionGroup {
        let kind: String
        let heading: String
        let permissions: [(name: String, label: String)]
    }

    /// As Azure's portal shows them.
    static let groups: [PermissionGroup] = [
        PermissionGroup(kind: "keys", heading: "Key permissions — Key Management Operations", permissions: [
            ("get", "Get"), ("list", "List"), ("update", "Update"), ("create", "Create"), ("import", "Import"), ("delete", "Delete"),
            ("recover", "Recover"), ("backup", "Backup"), ("restore", "Restore")]),
        PermissionGroup(kind: "keys", heading: "Key permissions — Cryptographic Operations", permissions: [
            ("decrypt", "Decrypt"), ("encrypt", "Encrypt"), ("unwrapKey", "Unwrap Key"), ("wrapKey", "Wrap Key"), ("verify", "Verify"),
            ("sign", "Sign")]),
        PermissionGroup(kind: "keys", heading: "Key permissions — Privileged and Rotation Policy Operations", permissions: [
            ("purge", "Purge"), ("rotate", "Rotate"), ("getRotationPolicy", "Get Rotation Policy"), ("setRotationPolicy", "Set Rotation Policy")]),
        PermissionGroup(kind: "secrets", heading: "Secret permissions", permissions: [
            ("get", "Get"), ("list", "List"), ("set", "Set"), ("delete", "Delete"), ("recover", "Recover"), ("backup", "Backup"),
            ("restore", "Restore"), ("purge", "Purge")]),
        PermissionGroup(kind: "certificates", heading: "Certificate permissions", permissions: [
            ("get", "Get"), ("list", "List"), ("update", "Update"), ("create", "Create"), ("import", "Import"), ("delete", "Delete"),
            ("recover", "Recover"), ("backup", "Backup"), ("restore", "Restore"), ("purge", "Purge")]),
    ]

    static func path(_ request: PortalRequest, _ group: String, _ vault: String) -> String {
        request.resourcePath(group, ResourceTypes.vault, vault)
    }

    @Sendable static func list(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = (try request.parameter("group"), try request.parameter("vault"))
        let document = try await request.arm("GET", path(request, group, vault), apiVersion: APIVersions.vaults)
        let canWrite = request.may("\(ResourceTypes.vault)/accessPolicies/write", at: request.resourceID(group, ResourceTypes.vault, vault))
        var rows: [[String: Any]] = []
        for entry in document?["properties"]?["accessPolicies"]?.arrayValue ?? [] {
            let objectID = entry["objectId"]?.stringValue ?? ""
            let principal = try await request.services.directory.principal(objectID: objectID)
            func names(_ kind: String) -> String {
                (entry["permissions"]?[kind]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
            }
            rows.append(["name": principal?.displayName ?? objectID, "kind": principal.map(PrincipalPicker.kindName) ?? "Unknown principal",
                         "objectId": objectID, "keys": names("keys"), "secrets": names("secrets"), "certificates": names("certificates"),
                         "canWrite": canWrite])
        }
        return request.render("access-policies", title: "\(vault) | Access policies",
                              crumbs: VaultPages.crumbs(group, vault, "Access policies"), [
            "vault": vault, "menu": VaultPages.menu(group, vault, current: "Access policies"), "policies": rows, "canWrite": canWrite,
            "newHref": VaultPages.link(group, vault, "/access-policies/new"),
            "removeAction": VaultPages.link(group, vault, "/access-policies/remove"),
        ])
    }

    @Sendable static func newPolicy(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = (try request.parameter("group"), try request.parameter("vault"))
        try await request.requireWrite(of: request.resourceID(group, ResourceTypes.vault, vault), action: "accessPolicies/write",
                                       path: path(request, group, vault), apiVersion: APIVersions.vaults)
        let draft = request.draft(draftName(vault))
        return try await form(request, group: group, vault: vault, draft: draft, error: nil)
    }

    static func draftName(_ vault: String) -> String { "access-policy:\(vault.lowercased())" }

    static func form(_ request: PortalRequest, group: String, vault: String, draft: [String: String], error: Refusal?,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let checked = Set((draft["permissions"] ?? "").split(separator: " ").map(String.init))
        let search = draft["search"] ?? ""
        let selected = draft["principal"] ?? ""
        let candidates = try await PrincipalPicker.rows(search, request: request, selected: selected)
        let sections = groups.enumerated().map { index, group -> [String: Any] in
            ["heading": group.heading, "permissions": group.permissions.map { permission -> [String: Any] in
                let value = "\(group.kind):\(permission.name)"
                return ["value": value, "label": permission.label, "id": "perm-\(index)-\(permission.name)", "checked": checked.contains(value)]
            }]
        }
        return request.render("access-policy-new", title: "Create an access policy",
                              crumbs: VaultPages.crumbs(group, vault, "Access policies") + [PortalView.Crumb("Create")], [
            "vault": vault, "sections": sections, "search": search, "candidates": candidates, "searched": !search.isEmpty,
            "error": error?.message ?? false, "action": VaultPages.link(group, vault, "/access-policies/new"),
            "cancelHref": VaultPages.link(group, vault, "/access-policies"),
        ], status: status)
    }

    @Sendable static func addPolicy(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = (try request.parameter("group"), try request.parameter("vault"))
        try await request.requireWrite(of: request.resourceID(group, ResourceTypes.vault, vault), action: "accessPolicies/write",
                                       path: path(request, group, vault), apiVersion: APIVersions.vaults)
        let permissions = request.form.all("permission")
        let draft = ["permissions": permissions.joined(separator: " "), "search": request.field("search"),
                     "principal": request.field("principal")]
        guard request.field("action") == "add" else {
            // "Search" (or "Clear"): keep what was chosen and show the picker's matches.
            request.saveDraft(draftName(vault), draft)
            return request.redirect(VaultPages.link(group, vault, "/access-policies/new"))
        }
        guard let objectID = draft["principal"], !objectID.isEmpty else {
            return try await form(request, group: group, vault: vault, draft: draft,
                                  error: Refusal(status: 400, code: "", message: "Select a principal."), status: .badRequest)
        }
        var granted: [String: [JSONValue]] = ["keys": [], "secrets": [], "certificates": []]
        for permission in permissions {
            let parts = permission.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, granted[parts[0]] != nil else { continue }
            granted[parts[0]]?.append(.string(parts[1]))
        }
        let body: JSONValue = ["properties": ["accessPolicies": [[
            "tenantId": .string(request.services.directory.authority.tenantID), "objectId": .string(objectID),
            "permissions": .object(JSONObject(granted.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value)) })),
        ]]]]
        if let refusal = try await request.refusal(of: {
            try await request.arm("PUT", path(request, group, vault) + "/accessPolicies/add", apiVersion: APIVersions.vaults, body: body)
        }) {
            return try await form(request, group: group, vault: vault, draft: draft, error: refusal, status: .badRequest)
        }
        request.saveDraft(draftName(vault), [:])
        return request.redirect(VaultPages.link(group, vault, "/access-policies"), notice: "Access policy added to '\(vault)'.")
    }

    @Sendable static func removePolicy(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = (try request.parameter("group"), try request.parameter("vault"))
        let objectID = request.field("objectId")
        let document = try await request.arm("GET", path(request, group, vault), apiVersion: APIVersions.vaults)
        guard let entry = document?["properties"]?["accessPolicies"]?.arrayValue?.first(where: { $0["objectId"]?.stringValue == objectID }) else {
            throw PortalFailure(404, "The vault '\(vault)' has no access policy for '\(objectID)'.")
        }
        try await request.arm("PUT", path(request, group, vault) + "/accessPolicies/remove", apiVersion: APIVersions.vaults,
                              body: ["properties": ["accessPolicies": [entry]]])
        return request.redirect(VaultPages.link(group, vault, "/access-policies"), notice: "Access policy removed from '\(vault)'.")
    }
}
