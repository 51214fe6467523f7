// kura — a self-hosted encrypted container registry.
// VaultPages: key vaults — create (Basics, with the seed's rules for a customer-managed key) and overview.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

enum VaultPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/vaults/new", newVault),
            .post("/portal/vaults", createVault),
            .get("/portal/groups/:group/vaults/:vault", vault),
        ]
    }

    /// Every key permission, as the creator of a vault gets them from the portal (Azure's portal
    /// adds the creating user's access policy by default).
    static let creatorKeyPermissions: [JSONValue] = ["get", "list", "update", "create", "import", "delete", "recover", "backup", "restore",
                                                     "decrypt", "encrypt", "unwrapKey", "wrapKey", "verify", "sign", "purge", "rotate",
                                                     "getRotationPolicy", "setRotationPolicy"]

    @Sendable static func newVault(_ request: PortalRequest) async throws -> Response {
        try await form(request, fields: ["group": request.field("group"), "location": "japaneast", "retention": "90", "purgeProtection": "on"],
                       error: nil)
    }


    static func form(_ request: PortalRequest, fields: [String: String], error: Refusal?, status: HTTPResponse.Status = .ok) async throws -> Response {
        request.render("vault-new", title: "Create a key vault", crumbs: [PortalView.Crumb("Create a key vault")], [
            "name": fields["name"] ?? "", "location": fields["location"] ?? "", "retention": fields["retention"] ?? "90",
            "purgeProtection": fields["purgeProtection"] == "on",
            "groups": try await request.groupChoices(selected: fields["group"]),
        ].merging(error.formModel(fields: [.group, .retention, .purgeProtection, .location, .name])) { $1 }, status: status)
    }

    @Sendable static func createVault(_ request: PortalRequest) async throws -> Response {
        try request.requireFields("name", "group", "location")
        let fields = ["name": request.field("name"), "group": request.field("group"), "location": request.field("location"),
                      "retention": request.field("retention"), "purgeProtection": request.field("purgeProtection")]
        let (group, name) = (fields["group"]!, fields["name"]!)
        guard let retention = Int64(fields["retention"]!) else {
            return try await form(request, fields: fields,
                                  error: Refusal(status: 400, code: "", message: "Days to retain deleted vaults must be a whole number from 7 to 90."),
                                  status: .badRequest)
        }
        var properties: JSONValue = [
            "tenantId": .string(request.services.directory.authority.tenantID),
            "sku": ["family": "A", "name": "standard"],
            "enableSoftDelete": true,
            "softDeleteRetentionInDays": .integer(retention),
            "accessPolicies": [[
                "tenantId": .string(request.services.directory.authority.tenantID),
                "objectId": .string(request.session.objectID),
                "permissions": ["keys": .array(creatorKeyPermissions), "secrets": [], "certificates": []],
            ]],
        ]
        if fields["purgeProtection"] == "on" { properties["enablePurgeProtection"] = true }
        if let refusal = try await request.refusal(of: {
            try await request.arm("PUT", request.resourcePath(group, ResourceTypes.vault, name), apiVersion: APIVersions.vaults,
                                  body: ["location": .string(fields["location"]!), "properties": properties])
        }) {
            return try await form(request, fields: fields, error: refusal, status: .badRequest)
        }
        return request.redirect(link(group, name), notice: "Key vault '\(name)' created.")
    }

    /// The vault's ARM document: it exists in this group and the user may see it (Azure's portal
    /// reaches a vault's keys only through the vault's resource).
    @discardableResult
    static func requireVault(_ request: PortalRequest, _ group: String, _ vault: String) async throws -> JSONValue? {
        try await request.arm("GET", request.resourcePath(group, ResourceTypes.vault, vault), apiVersion: APIVersions.vaults)
    }

    /// The `:group` and `:vault` of a vault's page, the vault required as ``requireVault`` does.
    static func vaultOf(_ request: PortalRequest) async throws -> (group: String, vault: String) {
        let (group, vault) = (try request.parameter("group"), try request.parameter("vault"))
        try await requireVault(request, group, vault)
        return (group, vault)
    }

    static func link(_ group: String, _ vault: String, _ page: String = "") -> String {
        PortalLinks.group(group) + "/vaults/\(PortalLinks.escaped(vault))\(page)"
    }

    /// The vault's crumbs: its group, itself (linked when `page` is a page of it), the page.
    static func crumbs(_ group: String, _ vault: String, _ page: String? = nil) -> [PortalView.Crumb] {
        [PortalView.Crumb(group, PortalLinks.group(group)), PortalView.Crumb(vault, page == nil ? nil : link(group, vault))]
            + (page.map { [PortalView.Crumb($0)] } ?? [])
    }

    /// The vault's menu (Overview, Access policies, Keys, Audit), `current` marked.
    static func menu(_ group: String, _ vault: String, current: String) -> [[String: Any]] {
        [("Overview", ""), ("Access policies", "/access-policies"), ("Keys", "/keys"), ("Audit", "/audit")].map { name, page in
            ["name": name, "href": link(group, vault, page), "current": name == current]
        }
    }

    @Sendable static func vault(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("vault"))
        let vault = try await requireVault(request, group, name)
        let properties = vault?["properties"]
        return request.render("vault", title: name, crumbs: crumbs(group, name), [
            "name": name, "group": group, "menu": menu(group, name, current: "Overview"),
            "location": vault?["location"]?.stringValue ?? "",
            "id": vault?["id"]?.stringValue ?? "",
            "uri": properties?["vaultUri"]?.stringValue ?? "",
            "retention": properties?["softDeleteRetentionInDays"]?.integerValue.map(String.init) ?? "",
            "purgeProtection": properties?["enablePurgeProtection"]?.boolValue == true,
            "policyCount": properties?["accessPolicies"]?.arrayValue?.count ?? 0,
        ])
    }
}
