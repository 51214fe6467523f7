// kura — a self-hosted encrypted container registry.
// UserCommands: `kura ad user create/list/show/delete`, as az's, through Graph's `/v1.0/users`.

import ArgumentParser
import Foundation
import KuraAPI

extension ADCommand {
    /// Directory users (people who sign in to the portal with a name and a password).
    struct User: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage directory users.",
                                                        subcommands: [Create.self, List.self, Show.self, Delete.self])

        /// Graph's address and audience on this server.
        static func graph(_ client: KuraClient) -> String { client.profile.server + "/" }

        static func url(_ client: KuraClient, _ id: String? = nil) -> String {
            "\(client.profile.server)/v1.0/users" + (id.map { "/" + KuraClient.pathSegment($0) } ?? "")
        }
    }
}

extension ADCommand.User {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a user.",
                                                        discussion: "Example:\n  kura ad user create --display-name Alice --password '<password>' --user-principal-name alice@contoso.com")
        @Option(name: .long, help: "The user's name as shown.") var displayName: String
        @Option(name: .long, help: "8-256 characters, with three of: lower-case, upper-case, digits, symbols.") var password: String
        @Option(name: .long, help: "The sign-in name: alias@domain.") var userPrincipalName: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.call("POST", ADCommand.User.url(client), resource: ADCommand.User.graph(client), body: .object([
                    "accountEnabled": true, "displayName": .string(displayName), "userPrincipalName": .string(userPrincipalName),
                    "mailNickname": .string(String(userPrincipalName.prefix { $0 != "@" })),
                    "passwordProfile": .object(["password": .string(password), "forceChangePasswordNextSignIn": false]),
                ]), as: GraphUser.self)
            })
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List users.")
        @Option(name: .long, help: "Only the user with this sign-in name.") var upn: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let users = try await client.call("GET", ADCommand.User.url(client), resource: ADCommand.User.graph(client), as: ARMList<GraphUser>.self).value
                return users.filter { user in upn.map { user.userPrincipalName.lowercased() == $0.lowercased() } ?? true }
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a user.")
        @Option(name: .long, help: "The user's object id or sign-in name.") var id: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.call("GET", ADCommand.User.url(client, id), resource: ADCommand.User.graph(client), as: GraphUser.self)
            })
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a user (and its role assignments).")
        @Option(name: .long, help: "The user's object id or sign-in name.") var id: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient { client in
                _ = try await client.callReply("DELETE", ADCommand.User.url(client, id), resource: ADCommand.User.graph(client), body: nil)
            }
        }
    }
}
