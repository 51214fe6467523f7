// kura — a self-hosted encrypted container registry.
// RoleCommands: `kura role assignment create/list/delete` and `kura ad sp create-for-rbac`.

public import ArgumentParser
import Foundation
import KuraAPI
import KuraJMESPath

/// Role assignments (`az role assignment`).
public struct RoleCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "role", abstract: "Manage role assignments.",
                                                           subcommands: [Assignment.self])
    public init() {}
    static let apiVersion = "2022-04-01"

    struct Assignment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "assignment", abstract: "Manage role assignments.",
                                                        subcommands: [Create.self, List.self, Delete.self])
    }

    /// The role definition id for a role name (or id) at `scope`.
    static func roleDefinition(_ client: KuraClient, _ role: String, scope: String) async throws -> String {
        if UUID(uuidString: role) != nil { return "/subscriptions/\(client.profile.subscription)/providers/Microsoft.Authorization/roleDefinitions/\(role)" }
        let found = try await client.list("\(scope)/providers/Microsoft.Authorization/roleDefinitions", apiVersion: apiVersion,
                                          query: [("$filter", "roleName eq '\(role)'")], of: RoleDefinitionResource.self)
        guard let id = found.first?.id else { throw CLIError(.local, "Role '\(role)' doesn't exist.") }
        return id
    }

    /// An object id for `--assignee` (an app id or object id, or a user's sign-in name), through
    /// the directory (Graph).
    static func objectID(_ client: KuraClient, assignee: String) async throws -> String {
        let graph = client.profile.server + "/"
        if assignee.contains("@") {
            return try await client.call("GET", ADCommand.User.url(client, assignee), resource: graph, as: GraphUser.self).id
        }
        let found = try await client.call("GET", "\(client.profile.server)/v1.0/servicePrincipals?$filter=" +
                                          KuraClient.formEscape("servicePrincipalNames/any(c:c eq '\(assignee)')"), resource: graph,
                                          as: ARMList<GraphServicePrincipal>.self)
        guard let id = found.value.first?.id else {
            throw CLIError(.local, "Cannot find user or service principal in graph database for '\(assignee)'.")
        }
        return id
    }

    /// az's view of an assignment: properties flattened, plus `roleDefinitionName` and `principalName`.
    static func view(_ assignment: RoleAssignment, roles: [String: String]) -> JSONValue {
        var shown = Flatten.resource(assignment)
        shown["resourceGroup"] = nil
        let guid = assignment.properties.roleDefinitionId.split(separator: "/").last.map(String.init) ?? ""
        shown["roleDefinitionName"] = roles[guid].map { .string($0) } ?? .null
        shown["principalName"] = .string(assignment.properties.principalId)
        return shown
    }

    /// Role names by definition GUID.
    static func roleNames(_ client: KuraClient) async throws -> [String: String] {
        let all = try await client.list("/subscriptions/\(client.profile.subscription)/providers/Microsoft.Authorization/roleDefinitions",
                                        apiVersion: apiVersion, of: RoleDefinitionResource.self)
        return Dictionary(all.map { ($0.name, $0.properties.roleName) }, uniquingKeysWith: { first, _ in first })
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Assign a role to a principal at a scope.")
        @Option(name: .long, help: "Object id of the principal (no directory lookup).") var assigneeObjectId: String?
        @Option(name: .long, help: "App id or object id of the principal.") var assignee: String?
        @Option(name: .long, help: "ServicePrincipal, User, Group, ...") var assigneePrincipalType = "ServicePrincipal"
        @Option(name: .long, help: "Role name or id (e.g. AcrPull).") var role: String
        @Option(name: .long, help: "Scope: a subscription, group or resource id.") var scope: String
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard (assigneeObjectId == nil) != (assignee == nil) else { throw ValidationError("give exactly one of --assignee-object-id and --assignee") }
        }

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let principal: String
                if let assigneeObjectId { principal = assigneeObjectId } else { principal = try await RoleCommand.objectID(client, assignee: assignee!) }
                let definition = try await RoleCommand.roleDefinition(client, role, scope: scope)
                let created = try await client.arm("PUT", "\(scope)/providers/Microsoft.Authorization/roleAssignments/\(UUID().uuidString.lowercased())",
                                                   apiVersion: RoleCommand.apiVersion, body: .object(["properties": .object([
                                                       "roleDefinitionId": .string(definition), "principalId": .string(principal),
                                                       "principalType": .string(assigneePrincipalType)])]), as: RoleAssignment.self)
                return RoleCommand.view(created, roles: try await RoleCommand.roleNames(client))
            })
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List role assignments.")
        @Option(name: .long, help: "Scope (default: the subscription).") var scope: String?
        @Option(name: .long, help: "Only assignments of this principal (object id).") var assignee: String?
        @Flag(name: .long, help: "Also assignments below the scope.") var all = false
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                let base = scope ?? "/subscriptions/\(client.profile.subscription)"
                var filter = all ? nil : "atScope()"
                if let assignee { filter = "principalId eq '\(assignee.lowercased())'" }
                var items = try await client.list("\(base)/providers/Microsoft.Authorization/roleAssignments", apiVersion: RoleCommand.apiVersion,
                                                  query: filter.map { [("$filter", $0)] } ?? [], of: RoleAssignment.self)
                let roles = try await RoleCommand.roleNames(client)
                if let scope, !all {
                    // az shows the assignments at the scope itself unless --include-inherited.
                    items = items.filter { $0.properties.scope.lowercased() == scope.lowercased() }
                }
                return JSONValue.array(items.map { RoleCommand.view($0, roles: roles) })
            }, table: .roleAssignments)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete role assignments.")
        @Option(name: .long, parsing: .upToNextOption, help: "Assignment ids.") var ids: [String] = []
        @Option(name: .long, help: "Object id of the principal.") var assignee: String?
        @Option(name: .long, help: "Role name or id.") var role: String?
        @Option(name: .long, help: "Scope.") var scope: String?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard !ids.isEmpty || (assignee != nil && scope != nil) else { throw ValidationError("give --ids, or --assignee and --scope (and --role)") }
        }

        func run() async throws {
            try await global.withClient { client in
                var targets = ids
                if targets.isEmpty, let assignee, let scope {
                    let found = try await client.list("\(scope)/providers/Microsoft.Authorization/roleAssignments", apiVersion: RoleCommand.apiVersion,
                                                      query: [("$filter", "principalId eq '\(assignee.lowercased())'")], of: RoleAssignment.self)
                    let definition = try await role.asyncMap { try await RoleCommand.roleDefinition(client, $0, scope: scope) }
                    for item in found where item.properties.scope.lowercased() == scope.lowercased() {
                        if let definition, item.properties.roleDefinitionId.lowercased() != definition.lowercased() { continue }
                        targets.append(item.id)
                    }
                }
                for id in targets { try await client.arm("DELETE", id, apiVersion: RoleCommand.apiVersion) }
            }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// `kura ad sp create-for-rbac --name N [--role R --scopes S]`.
public struct ADCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "ad", abstract: "Manage directory objects.", subcommands: [SP.self, User.self])
    public init() {}

    struct SP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sp", abstract: "Manage service principals.", subcommands: [CreateForRBAC.self])
    }

    struct CreateForRBAC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-for-rbac", abstract: "Create a service principal (and assign it a role).")
        @Option(name: [.short, .customLong("name"), .customLong("display-name")], help: "Display name.") var name: String
        @Option(name: .long, help: "Role to assign.") var role: String?
        @Option(name: .long, parsing: .upToNextOption, help: "Scopes for the role.") var scopes: [String] = []
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard (role == nil) == scopes.isEmpty else { throw ValidationError("--role and --scopes go together") }
        }

        func run() async throws {
            try global.emit(try await global.withClient { client in
                // Roles are resolved first: an unknown role must not leave behind a principal whose secret nobody saw.
                var definitions: [(scope: String, definition: String)] = []
                if let role {
                    for scope in scopes { definitions.append((scope, try await RoleCommand.roleDefinition(client, role, scope: scope))) }
                }
                let created = try await client.call("POST", "\(client.profile.server)/directory/v1/servicePrincipals", resource: client.managementResource,
                                                    body: .object(["displayName": .string(name)]), as: CreatedServicePrincipal.self)
                let object = created.objectId
                for (scope, definition) in definitions {
                    try await client.arm("PUT", "\(scope)/providers/Microsoft.Authorization/roleAssignments/\(UUID().uuidString.lowercased())",
                                         apiVersion: RoleCommand.apiVersion, body: .object(["properties": .object([
                                             "roleDefinitionId": .string(definition), "principalId": .string(object),
                                             "principalType": "ServicePrincipal"])]))
                }
                return JSONValue.object(["appId": .string(created.appId), "displayName": .string(name), "password": .string(created.password),
                                         "tenant": .string(created.tenant)])
            })
        }
    }
}
