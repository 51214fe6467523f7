// kura — a self-hosted encrypted container registry.
// GroupCommands: `kura group create/show/list/delete`.

public import ArgumentParser
import Foundation
import KuraAPI
import KuraJMESPath

/// Resource groups (`az group`).
public struct GroupCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "group", abstract: "Manage resource groups.",
                                                           subcommands: [Create.self, Show.self, List.self, Delete.self, GroupDeploymentCommand.self])
    public init() {}
    static let apiVersion = "2024-11-01"

    static func path(_ client: KuraClient, _ name: String) -> String { client.groupPath(name) }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a new resource group.", discussion: "Examples:\n  Create a resource group for the vault, the registry and the identity.\n    kura group create --name <resource-group-name> --location <location>")
        @Option(name: [.short, .customLong("name"), .customLong("resource-group"), .customShort("g")], help: "Name of the group.") var name: String
        @Option(name: [.short, .long], help: "Location, e.g. eastus.") var location: String
        @Option(name: .long, parsing: .upToNextOption, help: "Space-separated tags: key[=value].") var tags: [String] = []
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            var body: JSONObject = ["location": .string(location)]
            if !tags.isEmpty { body["tags"] = Tags.parse(tags) }
            try global.emit(try await global.withClient { client in
                try await client.arm("PUT", GroupCommand.path(client, name), apiVersion: GroupCommand.apiVersion, body: .object(body),
                                     as: ResourceGroup.self)
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Get a resource group.")
        @Option(name: [.short, .customLong("name"), .customLong("resource-group"), .customShort("g")], help: "Name of the group.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                try global.emit(try await global.withClient { client in
                    try await client.arm("GET", GroupCommand.path(client, name), apiVersion: GroupCommand.apiVersion, as: ResourceGroup.self)
                })
            } catch let error as CLIError { throw error.asShow() }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List resource groups.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.list("/subscriptions/\(client.profile.subscription)/resourcegroups", apiVersion: GroupCommand.apiVersion,
                                      of: ResourceGroup.self)
            }, table: .resourceGroups)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a resource group and everything in it.")
        @Option(name: [.short, .customLong("name"), .customLong("resource-group"), .customShort("g")], help: "Name of the group.") var name: String
        @Flag(name: [.short, .long], help: "Do not prompt for confirmation.") var yes = false
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try Confirmation.require(yes, "Are you sure you want to perform this operation? The group '\(name)' and everything in it will be deleted.")
            try await global.withClient(longRunning: true) { client in
                try await client.arm("DELETE", GroupCommand.path(client, name), apiVersion: GroupCommand.apiVersion)
            }
        }
    }
}

/// `--tags a=b c` as ARM tags.
enum Tags {
    static func parse(_ items: [String]) -> JSONValue {
        .object(JSONObject(items.filter { !$0.isEmpty }.map { item in
            let parts = item.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), JSONValue.string(parts.count > 1 ? String(parts[1]) : ""))
        }))
    }
}

extension KuraClient {
    /// The id of the `type` resource named `name`: in `group` when given, else found in the whole
    /// subscription through the generic resource list (as az does for `--name` alone).
    public func locate(_ type: String, named name: String, group: String?, notFound: String) async throws -> String {
        if let group { return resourcePath(group: group, type: type, name: name) }
        let found = try await list("/subscriptions/\(profile.subscription)/resources", apiVersion: GroupCommand.apiVersion,
                                   query: [("$filter", "resourceType eq '\(type)'")], of: GenericResource.self)
        guard let match = found.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw CLIError(.service(status: 404, code: "ResourceNotFound"), notFound)
        }
        return match.id
    }

    /// Every item of an ARM list, following `nextLink`.
    public func list<Item: Codable & Sendable & Equatable>(_ path: String, apiVersion: String, query: [(String, String)] = [], of type: Item.Type) async throws -> [Item] {
        var page = try await arm("GET", path, apiVersion: apiVersion, query: query, as: ARMList<Item>.self)
        var items = page.value
        while let next = page.nextLink, let url = URLComponents(string: next) {
            let skip = url.queryItems?.filter { $0.name != "api-version" }.map { ($0.name, $0.value ?? "") } ?? []
            page = try await arm("GET", url.path, apiVersion: apiVersion, query: skip, as: ARMList<Item>.self)
            items += page.value
        }
        return items
    }
}
