// kura — a self-hosted encrypted container registry.
// RegistryPages: a container registry — Overview, Encryption (status, Rotate key), Repositories.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

enum RegistryPages {
    static var routes: [PortalRoute] {
        [
            .get("/portal/groups/:group/registries/:registry", overview),
            .get("/portal/groups/:group/registries/:registry/encryption", encryption),
            .post("/portal/groups/:group/registries/:registry/encryption/rotate", rotate),
            .get("/portal/groups/:group/registries/:registry/repositories", repositories),
            .get("/portal/groups/:group/registries/:registry/repository", repository),
            .post("/portal/groups/:group/registries/:registry/repository/delete", deleteRepository),
        ]
    }

    static func link(_ group: String, _ registry: String, _ page: String = "") -> String {
        PortalLinks.group(group) + "/registries/\(PortalLinks.escaped(registry))\(page)"
    }

    static func crumbs(_ group: String, _ registry: String, _ page: String? = nil) -> [PortalView.Crumb] {
        [PortalView.Crumb(group, PortalLinks.group(group)),
         PortalView.Crumb(registry, page == nil ? nil : link(group, registry))] + (page.map { [PortalView.Crumb($0)] } ?? [])
    }

    static func menu(_ group: String, _ registry: String, current: String) -> [[String: Any]] {
        [("Overview", ""), ("Encryption", "/encryption"), ("Repositories", "/repositories"), ("Access control (IAM)", "/access-control")]
            .map { name, page in ["name": name, "href": link(group, registry, page), "current": name == current] }
    }

    /// The draft of the Rotate key form of a registry (the key picker fills it).
    static func rotateDraft(_ group: String, _ registry: String) -> String { "rotate:\(group.lowercased())/\(registry.lowercased())" }

    static func document(_ request: PortalRequest, _ group: String, _ registry: String) async throws -> JSONValue? {
        try await request.arm("GET", request.resourcePath(group, ResourceTypes.registry, registry), apiVersion: APIVersions.registries)
    }

    @Sendable static func overview(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        let registry = try await document(request, group, name)
        let loginServer = registry?["properties"]?["loginServer"]?.stringValue ?? ""
        return request.render("registry", title: name, crumbs: crumbs(group, name), [
            "name": name, "group": group, "menu": menu(group, name, current: "Overview"),
            "loginServer": loginServer, "sku": registry?["sku"]?["name"]?.stringValue ?? "",
            "location": registry?["location"]?.stringValue ?? "", "id": registry?["id"]?.stringValue ?? "",
            "created": registry?["properties"]?["creationDate"]?.stringValue ?? "",
            "adminUser": registry?["properties"]?["adminUserEnabled"]?.boolValue == true,
            "encrypted": registry?["properties"]?["encryption"]?["status"]?.stringValue == "enabled",
            "loginCommand": "kura acr login --name \(name)",
            "pushCommand": "skopeo copy oci-archive:image.tar docker://\(loginServer)/hello:v1",
            "pullCommand": "skopeo copy docker://\(loginServer)/hello:v1 oci-archive:pulled.tar",
        ])
    }

    @Sendable static func encryption(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        return try await encryptionPage(request, group, name, error: nil)
    }

    static func encryptionPage(_ request: PortalRequest, _ group: String, _ name: String, error: Refusal?,
                               status: HTTPResponse.Status = .ok) async throws -> Response {
        let registry = try await document(request, group, name)
        let encryption = registry?["properties"]?["encryption"]
        let key = encryption?["keyVaultProperties"]
        let identityClientID = key?["identity"]?.stringValue ?? ""
        var identityName = identityClientID
        var identities: [[String: Any]] = []
        for (id, value) in registry?["identity"]?["userAssignedIdentities"]?.objectValue ?? [:] {
            let clientID = value["clientId"]?.stringValue ?? ""
            let shortName = String(id.split(separator: "/").last ?? "")
            if clientID == identityClientID { identityName = shortName }
            identities.append(["id": id, "name": shortName, "clientId": clientID])
        }
        let draft = request.draft(rotateDraft(group, name))
        let chosenIdentity = draft["identity"].flatMap { $0.isEmpty ? nil : $0 } ?? identityClientID
        identities = identities.map { var row = $0; row["selected"] = row["clientId"] as? String == chosenIdentity; return row }
        let canWrite = request.may("\(ResourceTypes.registry)/write", at: request.resourceID(group, ResourceTypes.registry, name))
        return request.render("registry-encryption", title: "\(name) | Encryption", crumbs: crumbs(group, name, "Encryption"), [
            "name": name, "menu": menu(group, name, current: "Encryption"),
            "enabled": encryption?["status"]?.stringValue == "enabled",
            "keyIdentifier": key?["keyIdentifier"]?.stringValue ?? "",
            "versionedKeyIdentifier": key?["versionedKeyIdentifier"]?.stringValue ?? "",
            "identity": identityName, "identityClientId": identityClientID,
            "accessible": key?["keyAccessible"]?.boolValue == true,
            "lastKeyError": key?["lastKeyError"]?.stringValue ?? false,
            "lastRotation": key?["lastKeyRotationTimestamp"]?.stringValue ?? "never",
            "autoRotation": key?["keyRotationEnabled"]?.boolValue == true,
            "identities": identities, "newKeyId": draft["keyId"] ?? "", "canWrite": canWrite,
            "pickerFor": "rotate:\(group)/\(name)", "rotateAction": link(group, name, "/encryption/rotate"),
        ].merging(error.formModel(fields: [.identity, .keyIdentifier])) { $1 }, status: status)
    }

    /// Rotate key: the registry's encryption key (and identity) changed through ARM, as `az acr
    /// encryption rotate-key` changes it; "Select from Key Vault" first keeps what was typed.
    @Sendable static func rotate(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        let draftName = rotateDraft(group, name)
        try await request.requireWrite(of: request.resourceID(group, ResourceTypes.registry, name), action: "write",
                                       path: request.resourcePath(group, ResourceTypes.registry, name), apiVersion: APIVersions.registries)
        request.saveDraft(draftName, ["keyId": request.field("keyId"), "identity": request.field("identity")])
        if request.field("action") == "picker" {
            return request.redirect("/portal/key-picker?for=\(PortalLinks.escaped("rotate:\(group)/\(name)"))")
        }
        let keyID = request.field("keyId"), clientID = request.field("identity")
        guard !keyID.isEmpty else {
            return try await encryptionPage(request, group, name, error: Refusal(status: 400, code: "KeyIdentifier",
                                                                                 message: "Select the new key from a key vault, or enter its key identifier."),
                                            status: .badRequest)
        }
        if let refusal = try await request.refusal(of: {
            try await request.arm("PATCH", request.resourcePath(group, ResourceTypes.registry, name), apiVersion: APIVersions.registries,
                                  body: ["properties": ["encryption": ["status": "enabled", "keyVaultProperties": [
                                      "keyIdentifier": .string(keyID), "identity": .string(clientID)]]]])
        }) {
            return try await encryptionPage(request, group, name, error: refusal, status: .badRequest)
        }
        request.saveDraft(draftName, [:])
        return request.redirect(link(group, name, "/encryption"), notice: "The registry's key was rotated to \(keyID).")
    }

    /// The registry's content as the registry plane serves it, when the registry plane would let
    /// the user `action` (`catalog`, or a repository's `pull` or `delete`): with its data key, which
    /// a revoked customer key withholds (the page then shows the registry plane's refusal).
    static func context(_ request: PortalRequest, _ group: String, _ name: String, _ needed: AccessScope,
                        action: String) async throws -> (registry: RegistryContext, roles: Set<RegistryRole>) {
        _ = try await document(request, group, name)  // the registry exists in this group and the user may see it
        guard let record = try await request.services.provisioner.registry(named: name) else {
            throw PortalFailure(404, "The registry '\(name)' has no content store.")
        }
        let roles = try await request.services.registryRoles(request.session.objectID, record)
        guard let granted = RegistryAuthorizer.grant(needed, to: .principal(objectID: request.session.objectID), in: record, roles: roles),
              granted.actions.contains(action) else {
            throw PortalFailure(403, "The signed-in user may not \(action == "*" ? "list the repositories of" : action + " in") registry '\(name)': "
                + "that needs a registry role (AcrPull, AcrPush, AcrDelete, Contributor or Owner) on it; Reader manages a registry but reads none of its content.")
        }
        return (RegistryContext(record: record, dataKey: try await request.services.keyring.dataKey(for: record)), roles)
    }

    @Sendable static func repositories(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        let (registry, _) = try await context(request, group, name, .catalog, action: "*")
        var rows: [[String: Any]] = []
        for repository in try await catalog(request, registry) {
            var tags = 0
            if let repositoryName = RepositoryName(repository) {
                tags = try await request.services.content.tagRecords(registry, repository: repositoryName, after: nil, limit: 1000).count
            }
            rows.append(["name": repository, "tags": tags,
                         "href": link(group, name, "/repository?name=\(PortalLinks.escaped(repository))")])
        }
        return request.render("repositories", title: "\(name) | Repositories", crumbs: crumbs(group, name, "Repositories"), [
            "name": name, "menu": menu(group, name, current: "Repositories"), "repositories": rows,
        ])
    }

    /// Repositories listed at most on the page.
    static let shownRepositories = 10_000

    /// The registry's repositories, a thousand at a time.
    static func catalog(_ request: PortalRequest, _ registry: RegistryContext) async throws -> [String] {
        var names: [String] = []
        while names.count < shownRepositories {
            let page = try await request.services.content.catalog(registry, after: names.last, limit: 1000)
            names += page
            if page.count < 1000 { break }
        }
        return names
    }

    @Sendable static func repository(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        guard let repositoryName = RepositoryName(request.field("name")) else { throw PortalFailure(400, "That is not a repository name.") }
        let (registry, roles) = try await context(request, group, name, .repository(repositoryName, "pull"), action: "pull")
        let manifests = try await request.services.content.manifests(registry, repository: repositoryName, after: nil, limit: 1000)
        let rows = manifests.map { entry -> [String: Any] in
            let platform = [entry.manifest.os, entry.manifest.architecture].compactMap { $0 }.joined(separator: "/")
            return ["digest": entry.manifest.digest.description, "tags": entry.tags.joined(separator: ", "),
                    "mediaType": entry.manifest.mediaType, "size": ByteCountFormatter.string(fromByteCount: entry.referencedBlobSize, countStyle: .binary),
                    "platform": platform.isEmpty ? "—" : platform, "created": Timestamp.iso8601(entry.manifest.createdAt)]
        }
        return request.render("repository", title: request.field("name"),
                              crumbs: crumbs(group, name, "Repositories") + [PortalView.Crumb(request.field("name"))], [
            "name": name, "repository": request.field("name"), "menu": menu(group, name, current: "Repositories"), "manifests": rows,
            "canDelete": RegistryAuthorizer.grant(.repository(repositoryName, "delete"), to: .principal(objectID: request.session.objectID),
                                                  in: registry.record,
                                                  roles: roles)?
                .actions.contains("delete") == true,
            "deleteAction": link(group, name, "/repository/delete"), "confirmName": request.field("name"),
            "deleteWarning": "Every tag and manifest of the repository is deleted.",
        ])
    }

    @Sendable static func deleteRepository(_ request: PortalRequest) async throws -> Response {
        let (group, name) = (try request.parameter("group"), try request.parameter("registry"))
        let repository = request.field("name")
        guard let repositoryName = RepositoryName(repository) else { throw PortalFailure(400, "That is not a repository name.") }
        let (registry, _) = try await context(request, group, name, .repository(repositoryName, "delete"), action: "delete")
        try request.requireConfirmation(of: repository)
        let deletion = try await request.services.content.deleteRepository(registry, repository: repositoryName)
        return request.redirect(link(group, name, "/repositories"),
                                notice: "Repository '\(repository)' deleted (\(deletion.manifests.count) manifests, \(deletion.tags.count) tags).")
    }
}
