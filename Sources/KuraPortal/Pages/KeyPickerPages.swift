// kura — a self-hosted encrypted container registry.
// KeyPickerPages: "Select from Key Vault" — vault, then key, then version (or versionless).

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

/// The key picker of the registry's Encryption tab and of its Rotate key form. It lists what the
/// user may see — vaults through ARM, keys and versions through the vault's access policies — and
/// hands the chosen key id back to the form it was opened from (`for`: `registry`, or
/// `rotate:<group>/<registry>`).
enum KeyPickerPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/key-picker", picker),
            .post("/portal/key-picker", choose),
        ]
    }

    /// Where the picker returns and the draft it fills, for a `for` value; nil for one it does not know.
    static func target(_ value: String) -> (draft: String, returnTo: String)? {
        if value == "registry" { return (RegistryCreatePages.draftName, "/portal/registries/new?tab=encryption") }
        let parts = value.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "rotate" else { return nil }
        let place = parts[1].split(separator: "/").map(String.init)
        guard place.count == 2 else { return nil }
        return (RegistryPages.rotateDraft(place[0], place[1]), RegistryPages.link(place[0], place[1], "/encryption"))
    }

    @Sendable static func picker(_ request: PortalRequest) async throws -> Response {
        let purpose = request.field("for")
        guard let target = target(purpose) else { throw PortalFailure(400, "The key picker was opened without a form to return to.") }
        let vault = request.field("vault"), key = request.field("key")
        func href(vault: String = "", key: String = "") -> String {
            "/portal/key-picker?for=\(PortalLinks.escaped(purpose))&vault=\(PortalLinks.escaped(vault))&key=\(PortalLinks.escaped(key))"
        }
        var model: [String: Any] = ["for": purpose, "vault": vault, "key": key, "cancelHref": target.returnTo,
                                    "vaultsHref": href(), "keysHref": href(vault: vault)]
        if vault.isEmpty {
            let vaults = try await request.armList("\(request.subscriptionPath)/providers/\(ResourceTypes.vault)", apiVersion: APIVersions.vaults)
            model["vaults"] = vaults.compactMap { $0["name"]?.stringValue }.map { ["name": $0, "href": href(vault: $0)] }
            model["step"] = "vault"
        } else if key.isEmpty {
            let items = try await request.vaultItems(.list, in: vault)
            model["keys"] = items.compactMap { $0["kid"]?.stringValue }.map { KeyPages.lastSegment($0) }.map { ["name": $0, "href": href(vault: vault, key: $0)] }
            model["step"] = "key"
        } else {
            let current = try await request.vault(.get(name: key, version: nil), in: vault)?["key"]?["kid"]?.stringValue ?? ""
            let versions = try await request.vaultItems(.listVersions(name: key), in: vault)
            model["versionless"] = current.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            model["versions"] = versions.compactMap { item -> [String: Any]? in
                guard let kid = item["kid"]?.stringValue else { return nil }
                return ["kid": kid, "version": KeyPages.lastSegment(kid), "current": kid == current,
                        "enabled": item["attributes"]?["enabled"]?.boolValue != false]
            }
            model["step"] = "version"
        }
        model["atVault"] = model["step"] as? String == "vault"
        model["atKey"] = model["step"] as? String == "key"
        model["atVersion"] = model["step"] as? String == "version"
        return request.render("key-picker", title: "Select a key", crumbs: [PortalView.Crumb("Select a key")], model)
    }

    @Sendable static func choose(_ request: PortalRequest) async throws -> Response {
        guard let target = target(request.field("for")) else { throw PortalFailure(400, "The key picker was opened without a form to return to.") }
        var draft = request.draft(target.draft)
        draft["keyId"] = request.field("keyId")
        request.saveDraft(target.draft, draft)
        return request.redirect(target.returnTo)
    }
}
