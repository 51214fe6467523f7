// kura — a self-hosted encrypted container registry.
// KeyVaultCommands: `kura keyvault create/show/list/delete/purge/recover/list-deleted/set-policy/delete-policy`.

public import ArgumentParser
import Foundation
import KuraAPI
import KuraJMESPath

/// Key vaults (`az keyvault`). Soft delete is always on: `--enable-soft-delete` is accepted as in
/// the seed and changes nothing.
public struct KeyVaultCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keyvault", abstract: "Manage key vaults.",
        subcommands: [Create.self, Show.self, List.self, Delete.self, Purge.self, Recover.self, ListDeleted.self, SetPolicy.self, DeletePolicy.self,
                      KeyCommand.self, AuditCommand.self])
    public init() {}
    static let apiVersion = "2026-02-01"
    static let type = "Microsoft.KeyVault/vaults"

    static func path(_ client: KuraClient, _ group: String, _ name: String) -> String {
        client.resourcePath(group: group, type: type, name: name)
    }

    /// The vault's id, found by name in the subscription when no group is given (as az does).
    static func locate(_ client: KuraClient, _ name: String, group: String?) async throws -> String {
        try await client.locate(type, named: name, group: group, notFound: "The Vault '\(name)' not found within subscription.")
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key vault.", discussion: "Examples:\n  Create a vault fit for customer-managed keys (soft delete is always on;\n  purge protection is required).\n    kura keyvault create --name <key-vault-name> \\\n      --resource-group <resource-group-name> --enable-soft-delete \\\n      --enable-purge-protection")
        @Option(name: [.short, .long], help: "Vault name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @Option(name: [.short, .long], help: "Location (default: the group's).") var location: String?
        @Flag(name: .long, help: "Accepted for compatibility: soft delete is always on.") var enableSoftDelete = false
        @Flag(name: .long, help: "Enable purge protection (cannot be switched off later).") var enablePurgeProtection = false
        @Option(name: .long, help: "Soft-delete retention, 7-90 days.") var retentionDays: Int = 90
        @Option(name: .long, help: "Authorize data access by Azure RBAC instead of access policies (true/false).")
        var enableRbacAuthorization: Bool = false
        @Option(name: .long, help: "standard or premium.") var sku = "standard"
        @Flag(name: .long, help: "Do not give the signed-in principal an access policy (az gives it all permissions).")
        var noSelfPerms = false
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient(longRunning: true) { client in
                var place = location
                if place == nil { place = try await client.groupLocation(group) }
                var policies: [JSONValue] = []
                if !noSelfPerms && !enableRbacAuthorization {
                    let all: JSONValue = .array(["all"])
                    policies.append(.object(["tenantId": .string(client.profile.tenant), "objectId": .string(try await client.signedInObjectID()),
                                             "permissions": .object(["keys": all, "secrets": all, "certificates": all, "storage": all])]))
                }
                var properties: JSONObject = [
                    "tenantId": .string(client.profile.tenant), "sku": .object(["family": "A", "name": .string(sku)]),
                    "accessPolicies": .array(policies), "enableSoftDelete": .bool(true), "softDeleteRetentionInDays": .integer(Int64(retentionDays)),
                    "enableRbacAuthorization": .bool(enableRbacAuthorization)]
                if enablePurgeProtection { properties["enablePurgeProtection"] = .bool(true) }
                return try await client.arm("PUT", KeyVaultCommand.path(client, group, name), apiVersion: KeyVaultCommand.apiVersion,
                                            body: .object(["location": .string(place!), "properties": .object(properties)]), as: KeyVault.self)
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a key vault.")
        @Option(name: [.short, .long], help: "Vault name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                try global.emit(try await global.withClient { client in
                    try await client.arm("GET", try await KeyVaultCommand.locate(client, name, group: group), apiVersion: KeyVaultCommand.apiVersion,
                                         as: KeyVault.self)
                })
            } catch let error as CLIError { throw error.asShow() }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List key vaults.")
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let scope = group.map(client.groupPath) ?? "/subscriptions/\(client.profile.subscription)"
                return try await client.list("\(scope)/providers/\(KeyVaultCommand.type)", apiVersion: KeyVaultCommand.apiVersion, of: KeyVault.self)
            })
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a key vault (it goes to the deleted vaults).")
        @Option(name: [.short, .long], help: "Vault name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient(longRunning: true) { client in
                try await client.arm("DELETE", try await KeyVaultCommand.locate(client, name, group: group), apiVersion: KeyVaultCommand.apiVersion)
            }
        }
    }

    struct ListDeleted: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-deleted", abstract: "List deleted key vaults.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.list("/subscriptions/\(client.profile.subscription)/providers/Microsoft.KeyVault/deletedVaults",
                                      apiVersion: KeyVaultCommand.apiVersion, of: DeletedVault.self)
            })
        }
    }

    /// The deleted vault's ARM id (its location is part of it).
    static func deleted(_ client: KuraClient, _ name: String) async throws -> String {
        let listed = try await client.list("/subscriptions/\(client.profile.subscription)/providers/Microsoft.KeyVault/deletedVaults",
                                           apiVersion: apiVersion, of: DeletedVault.self)
        guard let match = listed.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw CLIError(.service(status: 404, code: "ResourceNotFound"), "No deleted Vault was found with name \(name)")
        }
        return match.id
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "purge", abstract: "Permanently delete a deleted vault.")
        @Option(name: [.short, .long], help: "Vault name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient(longRunning: true) { client in
                try await client.arm("POST", try await KeyVaultCommand.deleted(client, name) + "/purge", apiVersion: KeyVaultCommand.apiVersion)
            }
        }
    }

    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "recover", abstract: "Recover a deleted vault.")
        @Option(name: [.short, .long], help: "Vault name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let deleted = try await client.arm("GET", try await KeyVaultCommand.deleted(client, name), apiVersion: KeyVaultCommand.apiVersion,
                                                   as: DeletedVault.self)
                return try await client.arm("PUT", deleted.properties.vaultId, apiVersion: KeyVaultCommand.apiVersion, body: .object([
                    "location": .string(deleted.properties.location),
                    "properties": .object(["tenantId": .string(client.profile.tenant), "createMode": "recover"])]), as: KeyVault.self)
            })
        }
    }

    struct SetPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-policy", abstract: "Give an object permissions in a vault.", discussion: "Examples:\n  Let a registry's identity get the key and wrap and unwrap with it.\n    kura keyvault set-policy --resource-group <resource-group-name> \\\n      --name <key-vault-name> --object-id $identityPrincipalID \\\n      --key-permissions get unwrapKey wrapKey")
        @Option(name: [.short, .long], help: "Vault name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @Option(name: .long, help: "Object id of the principal.") var objectId: String
        @Option(name: .long, parsing: .upToNextOption, help: "Key permissions (space-separated).") var keyPermissions: [String] = []
        @Option(name: .long, parsing: .upToNextOption, help: "Secret permissions.") var secretPermissions: [String] = []
        @Option(name: .long, parsing: .upToNextOption, help: "Certificate permissions.") var certificatePermissions: [String] = []
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let vault = try await KeyVaultCommand.locate(client, name, group: group)
                let current = try await client.arm("GET", vault, apiVersion: KeyVaultCommand.apiVersion, as: KeyVault.self)
                // The kinds given replace the old lists; kinds not given are kept (as az does).
                let entry = current.properties.accessPolicies.first { $0.objectId.lowercased() == objectId.lowercased() }
                var permissions = entry.map { JSONValue(encoding: $0.permissions).objectValue ?? [:] } ?? [:]
                for (kind, given) in [("keys", keyPermissions), ("secrets", secretPermissions), ("certificates", certificatePermissions)] where !given.isEmpty {
                    permissions[kind] = .array(given.map { .string($0) })
                }
                try await client.arm("PUT", vault + "/accessPolicies/replace", apiVersion: KeyVaultCommand.apiVersion, body: .object([
                    "properties": .object(["accessPolicies": .array([.object(["tenantId": .string(client.profile.tenant),
                                                                                "objectId": .string(objectId),
                                                                                "permissions": .object(permissions)])])])]))
                return try await client.arm("GET", vault, apiVersion: KeyVaultCommand.apiVersion, as: KeyVault.self)
            })
        }
    }

    struct DeletePolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete-policy", abstract: "Remove an object's access policy.", discussion: "Examples:\n  Revoke a registry's customer-managed key: its data is refused within a\n  second.\n    kura keyvault delete-policy --resource-group <resource-group-name> \\\n      --name <key-vault-name> --object-id $identityPrincipalID")
        @Option(name: [.short, .long], help: "Vault name.") var name: String
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String?
        @Option(name: .long, help: "Object id of the principal.") var objectId: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let vault = try await KeyVaultCommand.locate(client, name, group: group)
                let current = try await client.arm("GET", vault, apiVersion: KeyVaultCommand.apiVersion, as: KeyVault.self)
                guard let entry = current.properties.accessPolicies.first(where: { $0.objectId.lowercased() == objectId.lowercased() }) else {
                    throw CLIError(.local, "No matching policies found")
                }
                try await client.arm("PUT", vault + "/accessPolicies/remove", apiVersion: KeyVaultCommand.apiVersion,
                                     body: .object(["properties": .object(["accessPolicies": .array([JSONValue(encoding: entry)])])]))
                return try await client.arm("GET", vault, apiVersion: KeyVaultCommand.apiVersion, as: KeyVault.self)
            })
        }
    }
}
