// kura — a self-hosted encrypted container registry.
// IdentityCommands: `kura identity create/show/list/delete` (user-assigned managed identities).

public import ArgumentParser
import Foundation
import KuraAPI
import KuraJMESPath

/// User-assigned managed identities (`az identity`). Output is flattened as az flattens it:
/// `clientId`, `principalId`, `tenantId` at the top level, plus `resourceGroup`.
public struct IdentityCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "identity", abstract: "Manage user-assigned managed identities.",
                                                           subcommands: [Create.self, Show.self, List.self, Delete.self])
    public init() {}
    static let apiVersion = "2025-05-31-preview"
    static let type = "Microsoft.ManagedIdentity/userAssignedIdentities"

    static func path(_ client: KuraClient, _ group: String, _ name: String) -> String {
        client.resourcePath(group: group, type: type, name: name)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an identity.", discussion: "Examples:\n  Create the identity a registry uses to reach its key vault.\n    kura identity create --resource-group <resource-group-name> \\\n      --name <managed-identity-name>")
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @Option(name: [.short, .long], help: "Identity name.") var name: String
        @Option(name: [.short, .long], help: "Location (default: the group's).") var location: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                var place = location
                if place == nil { place = try await client.groupLocation(group) }
                return Flatten.resource(try await client.arm("PUT", IdentityCommand.path(client, group, name), apiVersion: IdentityCommand.apiVersion,
                                                             body: .object(["location": .string(place!)]), as: UserAssignedIdentity.self))
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an identity.", discussion: "Examples:\n  Keep the identity's resource id in a shell variable.\n    identityID=$(kura identity show --resource-group <resource-group-name> \\\n      --name <managed-identity-name> --query 'id' --output tsv)\n  Keep its principal id (what access policies name).\n    identityPrincipalID=$(kura identity show \\\n      --resource-group <resource-group-name> --name <managed-identity-name> \\\n      --query 'principalId' --output tsv)")
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @Option(name: [.short, .long], help: "Identity name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                try global.emit(try await global.withClient { client in
                    Flatten.resource(try await client.arm("GET", IdentityCommand.path(client, group, name), apiVersion: IdentityCommand.apiVersion,
                                                          as: UserAssignedIdentity.self))
                })
            } catch let error as CLIError { throw error.asShow() }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List identities.")
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group (default: the whole subscription).") var group: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let scope = group.map(client.groupPath) ?? "/subscriptions/\(client.profile.subscription)"
                let items = try await client.list("\(scope)/providers/\(IdentityCommand.type)", apiVersion: IdentityCommand.apiVersion,
                                                  of: UserAssignedIdentity.self)
                return JSONValue.array(items.map(Flatten.resource))
            })
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an identity.")
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @Option(name: [.short, .long], help: "Identity name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient { client in
                try await client.arm("DELETE", IdentityCommand.path(client, group, name), apiVersion: IdentityCommand.apiVersion)
            }
        }
    }
}

/// az's view of a tracked resource: `properties` merged into the top level, and `resourceGroup`.
enum Flatten {
    /// A `KuraAPI` resource model as az shows it.
    static func resource(_ resource: some Encodable) -> JSONValue { flattened(JSONValue(encoding: resource)) }

    static func flattened(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        var flat: JSONObject = [:]
        for member in members {
            if member.key == "properties", case .object(let properties) = member.value {
                for property in properties where members[property.key] == nil { flat[property.key] = property.value }
            } else {
                flat[member.key] = member.value
            }
        }
        if case .string(let id)? = value["id"], let range = id.range(of: "/resourceGroups/", options: .caseInsensitive) {
            let group = id[range.upperBound...].prefix { $0 != "/" }
            flat["resourceGroup"] = .string(String(group))
        }
        return .object(flat)
    }
}

extension KuraClient {
    /// The location of a resource group (what az uses when `--location` is not given).
    public func groupLocation(_ group: String) async throws -> String {
        try await arm("GET", groupPath(group), apiVersion: GroupCommand.apiVersion,
                      as: ResourceGroup.self).location
    }
}
