// kura — a self-hosted encrypted container registry.
// RegistryCommands: `kura acr …` — registries (ARM), their encryption, credentials, login and content.

public import ArgumentParser
import Foundation
import KuraAPI
import KuraJMESPath

/// Container registries (`az acr`). ARM output is flattened as az shows it.
public struct RegistryCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "acr", abstract: "Manage container registries.",
        subcommands: [Create.self, Show.self, List.self, Update.self, Delete.self, CheckName.self, Credential.self, Encryption.self, Login.self,
                      Repository.self, Manifest.self])
    public init() {}
    static let apiVersion = "2026-09-01-preview"
    static let type = "Microsoft.ContainerRegistry/registries"

    /// The registry's id, found by name in the subscription when no group is given (as az does).
    static func locate(_ client: KuraClient, _ name: String, group: String?) async throws -> String {
        try await client.locate(type, named: name, group: group,
                                notFound: "The resource with name '\(name)' and type '\(type)' could not be found in subscription '\(client.profile.subscription)'.")
    }

    /// An identity given as a name (in `group`), a resource id, a GUID (kept verbatim) or `[system]`.
    static func identityID(_ client: KuraClient, _ identity: String, group: String) -> String {
        identity.hasPrefix("/") ? identity
            : client.resourcePath(group: group, type: "Microsoft.ManagedIdentity/userAssignedIdentities", name: identity)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container registry.", discussion: "Examples:\n  Create a Premium registry encrypted with a customer-managed key, reached as\n  a user-assigned identity.\n    kura acr create --resource-group <resource-group-name> \\\n      --name <container-registry-name> --identity $identityID \\\n      --key-encryption-key $keyID --sku Premium\n  Create a registry with service-managed encryption and the admin user\n  enabled.\n    kura acr create --resource-group <resource-group-name> \\\n      --name <container-registry-name> --sku Standard --admin-enabled true")
        @Option(name: [.short, .long], help: "Registry name (5-50 alphanumerics).") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @Option(name: .long, help: "Basic, Standard or Premium.") var sku: String
        @Option(name: [.short, .long], help: "Location (default: the group's).") var location: String?
        @Option(name: .long, help: "A user-assigned identity (name or id) or [system].") var identity: String?
        @Option(name: .long, help: "Key id of the customer-managed key (needs --identity and Premium).") var keyEncryptionKey: String?
        @Option(name: .long, help: "Enable the admin user (true/false).") var adminEnabled: Bool = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard name.count >= 5, name.count <= 50, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw ValidationError("Registry names may contain only alpha numeric characters and must be between 5 and 50 characters")
            }
            guard keyEncryptionKey == nil || identity != nil else { throw ValidationError("--key-encryption-key needs --identity") }
        }

        func run() async throws {
            try global.emit(try await global.withClient(longRunning: true) { client in
                var place = location
                if place == nil { place = try await client.groupLocation(group) }
                var body: JSONObject = ["location": .string(place!), "sku": .object(["name": .string(sku)])]
                var properties: JSONObject = ["adminUserEnabled": .bool(adminEnabled)]
                if let identity {
                    if identity.lowercased() == "[system]" {
                        body["identity"] = .object(["type": "SystemAssigned"])
                    } else {
                        let id = RegistryCommand.identityID(client, identity, group: group)
                        body["identity"] = .object(["type": "UserAssigned", "userAssignedIdentities": .object([id: .object([:])])])
                        if let key = keyEncryptionKey {
                            let found = try await client.arm("GET", id, apiVersion: "2024-11-30", as: UserAssignedIdentity.self)
                            properties["encryption"] = .object(["status": "enabled", "keyVaultProperties": .object([
                                "keyIdentifier": .string(key), "identity": .string(found.properties.clientId)])])
                        }
                    }
                    if identity.lowercased() == "[system]", let key = keyEncryptionKey {
                        properties["encryption"] = .object(["status": "enabled", "keyVaultProperties": .object([
                            "keyIdentifier": .string(key), "identity": "system"])])
                    }
                }
                body["properties"] = .object(properties)
                let path = client.resourcePath(group: group, type: RegistryCommand.type, name: name)
                return Flatten.resource(try await client.arm("PUT", path, apiVersion: RegistryCommand.apiVersion, body: .object(body),
                                                             as: ContainerRegistry.self))
            }, table: .registries)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a registry.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                try global.emit(try await global.withClient { client in
                    Flatten.resource(try await client.arm("GET", try await RegistryCommand.locate(client, name, group: group),
                                                          apiVersion: RegistryCommand.apiVersion, as: ContainerRegistry.self))
                }, table: .registries)
            } catch let error as CLIError { throw error.asShow() }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List registries.")
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let scope = group.map(client.groupPath) ?? "/subscriptions/\(client.profile.subscription)"
                let items = try await client.list("\(scope)/providers/\(RegistryCommand.type)", apiVersion: RegistryCommand.apiVersion,
                                                  of: ContainerRegistry.self)
                return JSONValue.array(items.map(Flatten.resource))
            }, table: .registries)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "update", abstract: "Update a registry.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @Option(name: .long, help: "Enable the admin user (true/false).") var adminEnabled: Bool?
        @Option(name: .long, help: "Basic, Standard or Premium.") var sku: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                var body: JSONObject = [:]
                if let sku { body["sku"] = .object(["name": .string(sku)]) }
                if let adminEnabled { body["properties"] = .object(["adminUserEnabled": .bool(adminEnabled)]) }
                return Flatten.resource(try await client.arm("PATCH", try await RegistryCommand.locate(client, name, group: group),
                                                             apiVersion: RegistryCommand.apiVersion, body: .object(body), as: ContainerRegistry.self))
            }, table: .registries)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a registry and its data.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @Flag(name: [.short, .long], help: "Do not prompt for confirmation.") var yes = false
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try Confirmation.require(yes, "This operation will delete the registry '\(name)' and all its data. Are you sure you want to continue?")
            try await global.withClient(longRunning: true) { client in
                try await client.arm("DELETE", try await RegistryCommand.locate(client, name, group: group), apiVersion: RegistryCommand.apiVersion)
            }
        }
    }

    struct CheckName: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-name", abstract: "Check whether a registry name is available.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.arm("POST", "/subscriptions/\(client.profile.subscription)/providers/Microsoft.ContainerRegistry/checkNameAvailability",
                                     apiVersion: RegistryCommand.apiVersion, body: .object(["name": .string(name), "type": .string(RegistryCommand.type)]),
                                     as: NameAvailability.self)
            })
        }
    }

    struct Credential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "credential", abstract: "The admin user's credentials.",
                                                        subcommands: [ShowCredential.self, Renew.self])
    }

    struct ShowCredential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the admin user's credentials.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.arm("POST", try await RegistryCommand.locate(client, name, group: nil) + "/listCredentials",
                                     apiVersion: RegistryCommand.apiVersion, as: RegistryCredentials.self)
            }, table: .registryCredentials)
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "renew", abstract: "Regenerate one admin password.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: .long, help: "password or password2.") var passwordName: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.arm("POST", try await RegistryCommand.locate(client, name, group: nil) + "/regenerateCredential",
                                     apiVersion: RegistryCommand.apiVersion, body: .object(["name": .string(passwordName)]), as: RegistryCredentials.self)
            }, table: .registryCredentials)
        }
    }

    struct Encryption: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "encryption", abstract: "Customer-managed key encryption.",
                                                        subcommands: [ShowEncryption.self, ShowStatus.self, RotateKey.self, RotateKeyAlias.self])
    }

    static func encryption(_ client: KuraClient, _ name: String) async throws -> RegistryEncryption {
        try await client.arm("GET", try await locate(client, name, group: nil), apiVersion: apiVersion, as: ContainerRegistry.self).properties.encryption
    }

    struct ShowEncryption: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the registry's encryption.", discussion: "Examples:\n  Check that a registry is encrypted with a customer-managed key.\n    kura acr encryption show --name <registry-name>")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                try global.emit(try await global.withClient { client in try await RegistryCommand.encryption(client, name) })
            } catch let error as CLIError { throw error.asShow() }
        }
    }

    struct ShowStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-status", abstract: "Whether the customer-managed key is accessible now.", discussion: "Examples:\n  Show the key's accessibility and the vault's last refusal.\n    kura acr encryption show-status --name <registry-name>")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let encryption = try await RegistryCommand.encryption(client, name)
                let properties = encryption.keyVaultProperties
                return JSONValue.object(["status": .string(encryption.status), "keyAccessible": properties.map { .bool($0.keyAccessible) } ?? .null,
                                         "lastKeyError": properties?.lastKeyError.map(JSONValue.string) ?? .null,
                                         "versionedKeyIdentifier": properties?.versionedKeyIdentifier.map(JSONValue.string) ?? .null,
                                         "lastKeyRotationTimestamp": properties?.lastKeyRotationTimestamp.map(JSONValue.string) ?? .null])
            })
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate-key", abstract: "Rotate the customer-managed key (O(1)).", discussion: "Examples:\n  Point the registry at a new key; also spelled rotatekey, as the seed does.\n    kura acr encryption rotatekey --name <registry-name> \\\n      --key-encryption-key <new-key-id> --identity $identityPrincipalID")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: .long, help: "The new key id (versioned or versionless).") var keyEncryptionKey: String
        @Option(name: .long, help: "The identity: clientId or principalId, a name or id, or [system].") var identity: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient(longRunning: true) { client in
                let id = try await RegistryCommand.locate(client, name, group: nil)
                var given = identity
                if identity.lowercased() == "[system]" {
                    given = "system"
                } else if UUID(uuidString: identity) == nil {
                    let group = id.components(separatedBy: "/")[4]
                    given = try await client.arm("GET", RegistryCommand.identityID(client, identity, group: group), apiVersion: "2024-11-30",
                                                 as: UserAssignedIdentity.self).properties.clientId
                }
                return Flatten.resource(try await client.arm("PATCH", id, apiVersion: RegistryCommand.apiVersion, body: .object([
                    "properties": .object(["encryption": .object(["status": "enabled", "keyVaultProperties": .object([
                        "keyIdentifier": .string(keyEncryptionKey), "identity": .string(given)])])])]), as: ContainerRegistry.self))
            })
        }
    }

    /// `rotatekey`, as the seed spells it.
    struct RotateKeyAlias: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotatekey", abstract: "Same as rotate-key.", shouldDisplay: false)
        @OptionGroup var rotate: RotateKeyOptions
        func run() async throws {
            var command = RotateKey()
            command.name = rotate.name
            command.keyEncryptionKey = rotate.keyEncryptionKey
            command.identity = rotate.identity
            command.global = rotate.global
            try await command.run()
        }
    }

    struct RotateKeyOptions: ParsableArguments {
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: .long, help: "The new key id.") var keyEncryptionKey: String
        @Option(name: .long, help: "The identity.") var identity: String
        @OptionGroup var global: GlobalOptions
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "login", abstract: "Get a registry refresh token for OCI clients.", discussion: "Examples:\n  A token skopeo, podman or docker take as the password of user\n  00000000-0000-0000-0000-000000000000.\n    kura acr login --name <registry-name> --expose-token --query accessToken \\\n      --output tsv")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Flag(name: .long, help: "Print the token instead of calling docker.") var exposeToken = false
        @OptionGroup var global: GlobalOptions

        func validate() throws { guard exposeToken else { throw ValidationError("kura has no docker login: use --expose-token") } }

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let loginServer = try await client.loginServer(name)
                let refresh = try await client.registryRefreshToken(loginServer)
                return .object(["accessToken": .string(refresh), "loginServer": .string(loginServer),
                                "username": "00000000-0000-0000-0000-000000000000"])
            })
        }
    }

    struct Repository: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "repository", abstract: "Repositories of a registry.",
                                                        subcommands: [ListRepositories.self, ShowTags.self, Untag.self, DeleteRepository.self])
    }

    struct ListRepositories: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List repositories.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let server = try await client.loginServer(name)
                let catalog = try await client.registryCall(server, path: "/acr/v1/_catalog", scope: "registry:catalog:*", as: RepositoryCatalog.self)
                return .array(catalog.repositories.map(JSONValue.string))
            })
        }
    }

    struct ShowTags: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-tags", abstract: "List the tags of a repository.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: .long, help: "Repository.") var repository: String
        @OptionGroup var order: ListingOrder
        @Flag(name: .long, help: "Show each tag's digest, times and attributes.") var detail = false
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let server = try await client.loginServer(name)
                let list = try await client.registryCall(server, path: "/acr/v1/\(repository)/_tags" + order.query,
                                                         scope: "repository:\(repository):metadata_read", as: TagsList.self)
                return detail ? JSONValue(encoding: list.items) : .array(list.items.map { .string($0.name) })
            })
        }
    }

    struct Untag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "untag", abstract: "Remove a tag; the image stays.")
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: .long, help: "The tag to remove: repository:tag.") var image: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (repository, tag) = try DeleteRepository.split(image)
            guard !tag.contains(":") else { throw CLIError(.usage, "--image must be repository:tag, not a digest") }
            try await global.withClient { client in
                try await client.registryCall(try await client.loginServer(name), method: "DELETE", path: "/acr/v1/\(repository)/_tags/\(tag)",
                                                  scope: "repository:\(repository):delete")
            }
        }
    }

    struct DeleteRepository: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Delete a repository, or one image and its tags.",
            discussion: """
                Examples:
                  Delete a repository with all its images.
                    kura acr repository delete -n myregistry --repository hello-world --yes
                  Delete the image tagged v1 (and every other tag on it).
                    kura acr repository delete -n myregistry --image hello-world:v1 --yes
                """)
        @Option(name: [.short, .long], help: "Registry name.") var name: String
        @Option(name: .long, help: "Repository to delete with all its images.") var repository: String?
        @Option(name: .long, help: "An image to delete: repository:tag or repository@digest.") var image: String?
        @Flag(name: [.short, .long], help: "Do not prompt for confirmation.") var yes = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard (repository == nil) != (image == nil) else { throw ValidationError("Give exactly one of --repository and --image.") }
        }

        func run() async throws {
            let target = repository.map { "repository '\($0)' and all images in it" } ?? "image '\(image!)' and every tag on it"
            try Confirmation.require(yes, "This operation will delete the \(target) in registry '\(name)'. Are you sure you want to continue?")
            try await global.withClient(longRunning: true) { client in
                let server = try await client.loginServer(name)
                if let repository {
                    try await client.registryCall(server, method: "DELETE", path: "/acr/v1/\(repository)", scope: "repository:\(repository):delete")
                    return
                }
                let (repositoryName, reference) = try Self.split(image!)
                var digest = reference
                if !reference.contains(":") {
                    digest = try await client.registryCall(server, path: "/acr/v1/\(repositoryName)/_tags/\(reference)",
                                                           scope: "repository:\(repositoryName):metadata_read", as: TagDetail.self).tag.digest
                }
                try await client.registryCall(server, method: "DELETE", path: "/v2/\(repositoryName)/manifests/\(digest)",
                                                  scope: "repository:\(repositoryName):delete")
            }
        }

        /// `repo:tag` → (repo, tag); `repo@sha256:…` → (repo, digest).
        static func split(_ image: String) throws -> (String, String) {
            if let at = image.firstIndex(of: "@") { return (String(image[..<at]), String(image[image.index(after: at)...])) }
            if let colon = image.lastIndex(of: ":"), !image[image.index(after: colon)...].contains("/") {
                return (String(image[..<colon]), String(image[image.index(after: colon)...]))
            }
            throw CLIError(.usage, "--image must be repository:tag or repository@digest, not '\(image)'")
        }
    }

    struct Manifest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "manifest", abstract: "Manifests of a repository.",
                                                        subcommands: [ListMetadata.self])
    }

    struct ListMetadata: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-metadata", abstract: "List a repository's manifests with tags and sizes.",
            discussion: """
                Examples:
                  List the manifests of hello-world, newest first.
                    kura acr manifest list-metadata -r myregistry -n hello-world --orderby time_desc
                """)
        @Option(name: [.short, .long], help: "Registry name.") var registry: String
        @Option(name: [.short, .long], help: "Repository name.") var name: String
        @OptionGroup var order: ListingOrder
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let server = try await client.loginServer(registry)
                let list = try await client.registryCall(server, path: "/acr/v1/\(name)/_manifests" + order.query,
                                                         scope: "repository:\(name):metadata_read", as: ManifestsList.self)
                return JSONValue(encoding: list.items)
            })
        }
    }
}

/// az's `--orderby time_asc|time_desc` and `--top N` on ACR's metadata listings (tags, manifests).
struct ListingOrder: ParsableArguments {
    @Option(name: .long, help: "time_asc or time_desc (default: by tag name or digest).") var orderby: String?
    @Option(name: .long, help: "Show at most this many.") var top: Int?

    func validate() throws {
        if let orderby, !["time_asc", "time_desc"].contains(orderby) {
            throw ValidationError("argument --orderby: invalid choice: '\(orderby)' (choose from 'time_asc', 'time_desc')")
        }
        guard top.map({ $0 > 0 }) ?? true else { throw ValidationError("argument --top: must be a positive number") }
    }

    /// `?n=…&orderby=timedesc` as ACR takes them ("" when neither is given).
    var query: String {
        let items = [top.map { "n=\($0)" }, orderby.map { "orderby=" + $0.replacingOccurrences(of: "_", with: "") }].compactMap { $0 }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }
}

extension KuraClient {
    func loginServer(_ name: String) async throws -> String {
        try await arm("GET", try await RegistryCommand.locate(self, name, group: nil), apiVersion: RegistryCommand.apiVersion,
                      as: ContainerRegistry.self).properties.loginServer
    }

    /// ACR's exchange: the login's AAD token for the registry audience → a registry refresh token.
    func registryRefreshToken(_ loginServer: String) async throws -> String {
        let aad = try await token(for: "https://containerregistry.azure.net")
        let service = String(loginServer.split(separator: ":").first ?? "")
        let form = "grant_type=access_token&service=\(KuraClient.formEscape(service))&access_token=\(KuraClient.formEscape(aad))"
        let reply = try await send("POST", "https://\(loginServer)/oauth2/exchange", body: Array(form.utf8),
                                   contentType: "application/x-www-form-urlencoded", bearer: nil)
        guard reply.status == 200, let exchanged = reply.decode(RegistryRefreshTokenResponse.self) else {
            throw KuraClient.registryError(reply)
        }
        return exchanged.refreshToken
    }

    /// A registry data-plane call with an access token for `scope`, answered with `Model`.
    func registryCall<Model: Decodable>(_ loginServer: String, path: String, scope: String, as type: Model.Type) async throws -> Model {
        try Self.model(type, of: try await registryReply(loginServer, method: "GET", path: path, scope: scope))
    }

    /// A registry data-plane call whose answer has nothing to read (a DELETE).
    func registryCall(_ loginServer: String, method: String, path: String, scope: String) async throws {
        _ = try await registryReply(loginServer, method: method, path: path, scope: scope)
    }

    /// A successful reply to a registry data-plane call with an access token for `scope`.
    func registryReply(_ loginServer: String, method: String, path: String, scope: String) async throws -> Reply {
        let refresh = try await registryRefreshToken(loginServer)
        let service = String(loginServer.split(separator: ":").first ?? "")
        let form = "grant_type=refresh_token&service=\(KuraClient.formEscape(service))&scope=\(KuraClient.formEscape(scope))&refresh_token=\(KuraClient.formEscape(refresh))"
        let tokenReply = try await send("POST", "https://\(loginServer)/oauth2/token", body: Array(form.utf8),
                                        contentType: "application/x-www-form-urlencoded", bearer: nil)
        guard tokenReply.status == 200, let access = tokenReply.decode(RegistryTokenResponse.self)?.accessToken else {
            throw KuraClient.registryError(tokenReply)
        }
        let reply = try await send(method, "https://\(loginServer)\(path)", body: nil, contentType: "application/json", bearer: access)
        guard (200..<300).contains(reply.status) else { throw KuraClient.registryError(reply) }
        return reply
    }

    /// An OCI error (`{"errors":[{"code","message"}]}`) as az prints it.
    static func registryError(_ reply: Reply) -> CLIError {
        let first = reply.decode(OCIErrorBody.self)?.errors.first
        return CLIError(.service(status: reply.status, code: first?.code ?? "HTTP\(reply.status)"),
                        first?.message ?? "The registry answered \(reply.status).")
    }
}
