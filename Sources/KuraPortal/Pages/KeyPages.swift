// kura — a self-hosted encrypted container registry.
// KeyPages: a vault's keys — list, generate, versions (the current one to note), new version,
// enable/disable, delete, recover, purge.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

enum KeyPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/groups/:group/vaults/:vault/keys", list),
            .get("/portal/groups/:group/vaults/:vault/new-key", newKey),
            .post("/portal/groups/:group/vaults/:vault/keys", createKey),
            .get("/portal/groups/:group/vaults/:vault/keys/:key", key),
            .post("/portal/groups/:group/vaults/:vault/keys/:key/rotate", rotate),
            .post("/portal/groups/:group/vaults/:vault/keys/:key/versions/:version/enabled", setEnabled),
            .post("/portal/groups/:group/vaults/:vault/keys/:key/delete", delete),
            .post("/portal/groups/:group/vaults/:vault/deleted-keys/:key/recover", recover),
            .post("/portal/groups/:group/vaults/:vault/deleted-keys/:key/purge", purge),
        ]
    }

    /// The last path segment of a `kid` (a key's name, or a version).
    static func lastSegment(_ kid: String) -> String { String(kid.split(separator: "/").last ?? "") }

    static func date(_ seconds: Int64?) -> String {
        seconds.map { Timestamp.iso8601($0 * 1000) } ?? ""
    }

    @Sendable static func list(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        var keys: [[String: Any]] = []
        var deleted: [[String: Any]] = []
        var refusal: String?
        do {
            for item in try await request.vaultItems(.list, in: vault) {
                let name = lastSegment(item["kid"]?.stringValue ?? "")
                keys.append(["name": name, "enabled": item["attributes"]?["enabled"]?.boolValue != false,
                             "updated": date(item["attributes"]?["updated"]?.integerValue), "href": VaultPages.link(group, vault, "/keys/\(PortalLinks.escaped(name))")])
            }
            for item in try await request.vaultItems(.listDeleted, in: vault) {
                let name = lastSegment(item["kid"]?.stringValue ?? "")
                deleted.append(["name": name, "deletedDate": date(item["deletedDate"]?.integerValue),
                                "purgeDate": date(item["scheduledPurgeDate"]?.integerValue),
                                "recoverAction": VaultPages.link(group, vault, "/deleted-keys/\(PortalLinks.escaped(name))/recover"),
                                "purgeAction": VaultPages.link(group, vault, "/deleted-keys/\(PortalLinks.escaped(name))/purge")])
            }
        } catch let error as KeyVaultError where error.status == 403 {
            // Azure's portal says so in place of the list: the vault's access policies decide.
            refusal = error.message
        }
        return request.render("keys", title: "\(vault) | Keys", crumbs: VaultPages.crumbs(group, vault, "Keys"), [
            "vault": vault, "menu": VaultPages.menu(group, vault, current: "Keys"), "keys": keys, "deleted": deleted,
            "hasDeleted": !deleted.isEmpty, "refusal": refusal ?? false, "newHref": VaultPages.link(group, vault, "/new-key"),
        ])
    }

    @Sendable static func newKey(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        return form(request, group: group, vault: vault, fields: ["kty": "RSA", "size": "2048", "curve": "P-256", "enabled": "yes",
                                                                  "option": "generate"], error: nil)
    }


    static func form(_ request: PortalRequest, group: String, vault: String, fields: [String: String], error: Refusal?,
                     status: HTTPResponse.Status = .ok) -> Response {
        func options(_ values: [String], _ chosen: String?) -> [[String: Any]] { values.map { ["value": $0, "selected": $0 == chosen] } }
        return request.render("key-new", title: "Create a key", crumbs: VaultPages.crumbs(group, vault, "Keys") + [PortalView.Crumb("Create a key")], [
            "vault": vault, "name": fields["name"] ?? "",
            "types": options(["RSA", "EC"], fields["kty"]), "sizes": options(["2048", "3072", "4096"], fields["size"]),
            "curves": options(["P-256", "P-384", "P-521"], fields["curve"]), "enabled": fields["enabled"] != "no",
            // A private key is never sent back to the browser, even to the form it came from.
            "importing": fields["option"] == "import", "jwk": "",
            "action": VaultPages.link(group, vault, "/keys"),
        ].merging(error.formModel(fields: fields["option"] == "import" ? [.jwk, .keyName] : [.keySize, .curve, .keyType, .keyName])) { $1 }, status: status)
    }

    @Sendable static func createKey(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        try request.requireFields("name")
        let (name, kty, enabled) = (request.field("name"), request.field("kty"), request.field("enabled") != "no")
        let fields = ["name": name, "kty": kty, "size": request.field("size"), "curve": request.field("curve"),
                      "enabled": enabled ? "yes" : "no", "option": request.field("option"), "jwk": request.field("jwk")]
        if let refusal = try await request.refusal(of: {
            try KeyVaultService.validate(name: name)
            if request.field("option") == "import" {
                // Import: the key as the keys API takes it, a JWK (portal.js converts a PEM file into one).
                guard let jwk = try? JSONValue(parsing: request.field("jwk")), jwk.objectValue != nil else {
                    throw PortalFailure(400, "The key to import must be a JSON Web Key: {\"kty\": \"RSA\", \"n\": …} (a PEM file is converted in the browser).")
                }
                try await request.vault(.importKey(name: name), in: vault, body: ["key": jwk, "attributes": ["enabled": .bool(enabled)]])
            } else {
                var body: JSONValue = ["kty": .string(kty), "attributes": ["enabled": .bool(enabled)]]
                if kty == "EC" { body["crv"] = .string(request.field("curve")) } else { body["key_size"] = .integer(Int64(request.field("size")) ?? 2048) }
                try await request.vault(.create(name: name), in: vault, body: body)
            }
        }) {
            return form(request, group: group, vault: vault, fields: fields, error: refusal, status: .badRequest)
        }
        return request.redirect(VaultPages.link(group, vault, "/keys/\(PortalLinks.escaped(name))"), notice: "The key '\(name)' was created.")
    }

    @Sendable static func key(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        let name = try request.parameter("key")
        let current = try await request.vault(.get(name: name, version: nil), in: vault)
        let currentKid = current?["key"]?["kid"]?.stringValue ?? ""
        let base = VaultPages.link(group, vault, "/keys/\(PortalLinks.escaped(name))")
        var versions: [[String: Any]] = []
        for item in try await request.vaultItems(.listVersions(name: name), in: vault) {
            let kid = item["kid"]?.stringValue ?? ""
            let enabled = item["attributes"]?["enabled"]?.boolValue != false
            let version = lastSegment(kid)
            versions.append(["version": version, "kid": kid, "enabled": enabled, "current": kid == currentKid,
                             "created": date(item["attributes"]?["created"]?.integerValue),
                             "toggleAction": "\(base)/versions/\(PortalLinks.escaped(version))/enabled", "toggleTo": enabled ? "false" : "true",
                             "toggleLabel": enabled ? "Disable" : "Enable"])
        }
        versions.sort { ($0["created"] as? String ?? "") > ($1["created"] as? String ?? "") }
        return request.render("key", title: name, crumbs: VaultPages.crumbs(group, vault, "Keys") + [PortalView.Crumb(name)], [
            "vault": vault, "name": name, "menu": VaultPages.menu(group, vault, current: "Keys"),
            "kid": currentKid, "currentVersion": lastSegment(currentKid),
            "versionless": currentKid.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/"),
            "kty": current?["key"]?["kty"]?.stringValue ?? "", "versions": versions,
            "rotateAction": "\(base)/rotate", "deleteAction": "\(base)/delete", "confirmName": name,
            "deleteWarning": "A registry that uses this key loses access to its data until the key is recovered.",
        ])
    }

    @Sendable static func rotate(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        let name = try request.parameter("key")
        let bundle = try await request.vault(.rotate(name: name), in: vault)
        let version = lastSegment(bundle?["key"]?["kid"]?.stringValue ?? "")
        return request.redirect(VaultPages.link(group, vault, "/keys/\(PortalLinks.escaped(name))"),
                                notice: "A new version of '\(name)' was made: \(version).")
    }

    @Sendable static func setEnabled(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        let name = try request.parameter("key")
        let version = try request.parameter("version")
        let enabled = request.field("enabled") == "true"
        try await request.vault(.update(name: name, version: version), in: vault, body: ["attributes": ["enabled": .bool(enabled)]])
        return request.redirect(VaultPages.link(group, vault, "/keys/\(PortalLinks.escaped(name))"),
                                notice: "Version \(version) \(enabled ? "enabled" : "disabled").")
    }

    @Sendable static func delete(_ request: PortalRequest) async throws -> Response {
        try await confirmedRemoval(request, route: KeyVaultRoute.delete(name:), done: "was deleted (it can be recovered until it is purged)")
    }

    @Sendable static func recover(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        let name = try request.parameter("key")
        try await request.vault(.recover(name: name), in: vault)
        return request.redirect(VaultPages.link(group, vault, "/keys/\(PortalLinks.escaped(name))"), notice: "The key '\(name)' was recovered.")
    }

    @Sendable static func purge(_ request: PortalRequest) async throws -> Response {
        try await confirmedRemoval(request, route: KeyVaultRoute.purge(name:), done: "was purged")
    }

    /// Delete or purge: the key's name typed to confirm, the operation, back to the keys.
    static func confirmedRemoval(_ request: PortalRequest, route: (String) -> KeyVaultRoute, done: String) async throws -> Response {
        let (group, vault) = try await VaultPages.vaultOf(request)
        let name = try request.parameter("key")
        try request.requireConfirmation(of: name)
        try await request.vault(route(name), in: vault)
        return request.redirect(VaultPages.link(group, vault, "/keys"), notice: "The key '\(name)' \(done).")
    }
}
