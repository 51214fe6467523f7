// kura — a self-hosted encrypted container registry.
// DeploymentCommands: `kura deployment group …`, `kura deployment operation group list`, and the seed's `kura group deployment create`.

public import ArgumentParser
import Foundation
import KuraAPI
import KuraJMESPath

/// ARM template deployments at resource-group scope (`az deployment group`).
public struct DeploymentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "deployment", abstract: "Deploy ARM templates.",
                                                           subcommands: [Group.self, Operation.self])
    public init() {}
    static let apiVersion = "2025-04-01"

    static func path(_ client: KuraClient, _ group: String, _ name: String) -> String {
        client.groupPath(group) + "/providers/Microsoft.Resources/deployments/" + KuraClient.pathSegment(name)
    }

    struct Group: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "group", abstract: "Deployments to a resource group.",
                                                        subcommands: [Create.self, Validate.self, WhatIf.self, Show.self, List.self, Delete.self, Cancel.self])
    }

    struct Operation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "operation", abstract: "A deployment's operations.",
                                                        subcommands: [OperationGroup.self])
    }

    struct OperationGroup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "group", abstract: "Operations of a resource-group deployment.",
                                                        subcommands: [ListOperations.self])
    }

    /// The flags `create`, `validate` and `what-if` share (as az's).
    struct TemplateOptions: ParsableArguments {
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @Option(name: [.customShort("f"), .customLong("template-file")], help: "The template file (JSON; comments allowed).") var templateFile: String
        @Option(name: [.short, .long], help: "Deployment name (default: the template file's name).") var name: String?
        @Option(name: [.short, .long], parsing: .upToNextOption,
                help: "Parameters: k=v, @file.json, or a JSON object (repeatable).") var parameters: [String] = []
        @Option(name: .long, help: "Incremental or Complete.") var mode = "Incremental"

        /// az's default name: the file name without its extension.
        var deploymentName: String { name ?? URL(fileURLWithPath: templateFile).deletingPathExtension().lastPathComponent }

        /// The request body: the template read leniently, the parameters merged in order.
        func body() throws -> JSONValue {
            guard let bytes = FileManager.default.contents(atPath: templateFile) else { throw CLIError(.local, "Cannot read \(templateFile).") }
            let template: JSONValue
            do {
                template = try JSONValue(parsingLeniently: bytes)
            } catch {
                throw CLIError(.local, "Failed to parse '\(templateFile)', please check whether it is a valid JSON format: \(error)")
            }
            var given = JSONObject()
            for argument in parameters { for (key, value) in try Self.parameters(argument) { given[key] = value } }
            return ["properties": ["template": template, "parameters": .object(given), "mode": .string(mode)]]
        }

        /// One `--parameters` argument as `{"name": {"value": …}}`.
        static func parameters(_ argument: String) throws -> JSONObject {
            if argument.hasPrefix("@") {
                let file = String(argument.dropFirst())
                guard let bytes = FileManager.default.contents(atPath: file), let document = try? JSONValue(parsingLeniently: bytes) else {
                    throw CLIError(.usage, "argument --parameters: cannot read a JSON parameters file at \(file)")
                }
                return (document["parameters"] ?? document).objectValue ?? [:]
            }
            if argument.hasPrefix("{") {
                guard let document = try? JSONValue(parsingLeniently: Array(argument.utf8)), let members = document.objectValue else {
                    throw CLIError(.usage, "argument --parameters: not a JSON object")
                }
                return members
            }
            guard let equals = argument.firstIndex(of: "=") else { throw CLIError(.usage, "argument --parameters: use KEY=VALUE, @file.json or a JSON object") }
            let text = String(argument[argument.index(after: equals)...])
            let structured = text.hasPrefix("{") || text.hasPrefix("[") ? try? JSONValue(parsing: text) : nil
            return [String(argument[..<equals]): ["value": structured ?? .string(text)]]
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Deploy a template to a resource group.", discussion: "Examples:\n  Deploy the seed's template (CMKtemplate.json) for a CMK registry.\n    kura deployment group create --resource-group <resource-group-name> \\\n      --template-file CMKtemplate.json --parameters registry_name=<registry-name> \\\n      identity_name=<managed-identity-name> vault_name=<key-vault-name> kek_id=<key-id>")
        @OptionGroup var template: TemplateOptions
        @Flag(name: .long, help: "Do not wait for the deployment to finish.") var noWait = false
        @OptionGroup var global: GlobalOptions

        func run() async throws { try await DeploymentCommand.create(template, noWait: noWait, global: global) }
    }

    /// PUTs the deployment and, unless `noWait`, follows it to its end (az prints the final deployment).
    static func create(_ template: TemplateOptions, noWait: Bool, global: GlobalOptions) async throws {
        let body = try template.body()
        let deployment = try await global.withClient(longRunning: true) { client -> Deployment in
            let path = DeploymentCommand.path(client, template.group, template.deploymentName)
            var current = try await client.arm("PUT", path, apiVersion: apiVersion, body: body, as: Deployment.self)
            while !noWait, !["Succeeded", "Failed", "Canceled"].contains(current.properties.provisioningState) {
                // az's polling: the server asks for a poll a second (`Retry-After: 1`) while it runs.
                try await Task.sleep(for: .seconds(1))
                current = try await client.arm("GET", path, apiVersion: apiVersion, as: Deployment.self)
            }
            return current
        }
        if let error = deployment.properties.error, deployment.properties.provisioningState == "Failed" {
            throw CLIError(.service(status: 400, code: error.code), JSONValue(encoding: ["status": JSONValue.string("Failed"), "error": JSONValue(encoding: error)]).text)
        }
        try global.emit(deployment)
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a template and its parameters without deploying.")
        @OptionGroup var template: TemplateOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws { try await DeploymentCommand.check("validate", template, global: global, as: Deployment.self) }
    }

    struct WhatIf: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "what-if", abstract: "What a template would create or change.")
        @OptionGroup var template: TemplateOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws { try await DeploymentCommand.check("whatIf", template, global: global, as: WhatIfResult.self) }
    }

    /// `POST …/{name}/{action}` with the template: the answer printed.
    static func check<Answer: Codable & Sendable>(_ action: String, _ template: TemplateOptions, global: GlobalOptions,
                                                  as type: Answer.Type) async throws {
        let body = try template.body()
        try global.emit(try await global.withClient { client in
            try await client.arm("POST", path(client, template.group, template.deploymentName) + "/" + action, apiVersion: apiVersion,
                                 body: body, as: type)
        })
    }

    /// The flags of the commands on one existing deployment.
    struct Named: ParsableArguments {
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @Option(name: [.short, .long], help: "Deployment name.") var name: String

        /// `method` on the deployment (or on its `suffix`); nothing to print.
        func send(_ method: String, _ suffix: String = "", global: GlobalOptions) async throws {
            try await global.withClient { client in
                try await client.arm(method, DeploymentCommand.path(client, group, name) + suffix, apiVersion: DeploymentCommand.apiVersion)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a deployment.")
        @OptionGroup var deployment: Named
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                try global.emit(try await global.withClient { client in
                    try await client.arm("GET", DeploymentCommand.path(client, deployment.group, deployment.name), apiVersion: DeploymentCommand.apiVersion,
                                         as: Deployment.self)
                })
            } catch let error as CLIError { throw error.asShow() }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a resource group's deployments.")
        @Option(name: [.customShort("g"), .customLong("resource-group")], help: "Resource group.") var group: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.list(client.groupPath(group) + "/providers/Microsoft.Resources/deployments",
                                      apiVersion: DeploymentCommand.apiVersion, of: Deployment.self)
            })
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a deployment's record (its resources stay).")
        @OptionGroup var deployment: Named
        @OptionGroup var global: GlobalOptions

        func run() async throws { try await deployment.send("DELETE", global: global) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a running deployment.")
        @OptionGroup var deployment: Named
        @OptionGroup var global: GlobalOptions

        func run() async throws { try await deployment.send("POST", "/cancel", global: global) }
    }

    struct ListOperations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a deployment's operations.")
        @OptionGroup var deployment: Named
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                try await client.arm("GET", DeploymentCommand.path(client, deployment.group, deployment.name) + "/operations",
                                     apiVersion: DeploymentCommand.apiVersion, as: ARMList<DeploymentOperation>.self).value
            })
        }
    }
}

/// The seed's (deprecated) spelling: `kura group deployment create`, with `create`'s flags.
struct GroupDeploymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deployment", abstract: "Deploy ARM templates (the seed's spelling).",
                                                    subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Deploy a template to a resource group.")
        @OptionGroup var template: DeploymentCommand.TemplateOptions
        @Flag(name: .long, help: "Do not wait for the deployment to finish.") var noWait = false
        @OptionGroup var global: GlobalOptions

        func run() async throws { try await DeploymentCommand.create(template, noWait: noWait, global: global) }
    }
}
