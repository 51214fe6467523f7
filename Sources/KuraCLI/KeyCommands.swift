// kura — a self-hosted encrypted container registry.
// KeyCommands: `kura keyvault key …` (the Key Vault keys REST API) and `kura keyvault audit list/verify`.

import ArgumentParser
import Foundation
public import KuraAPI
import KuraJMESPath
import Synchronization

/// Keys of a vault (`az keyvault key`), on the vault's own host as az calls it.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage keys of a vault.",
        subcommands: [Create.self, Show.self, List.self, ListVersions.self, SetAttributes.self, Delete.self, ListDeleted.self, Recover.self,
                      Purge.self, Rotate.self, Backup.self, Restore.self, Import.self, Encrypt.self, Decrypt.self])
    static let apiVersion = "7.6"

    /// Which vault and key a command names: `--vault-name` + `--name`, or `--id`.
    struct Target: ParsableArguments {
        @Option(name: [.short, .long], help: "Key name.") var name: String?
        @Option(name: .long, help: "Vault name.") var vaultName: String?
        @Option(name: .long, help: "Key id (https://<vault>/keys/<name>[/<version>]).") var id: String?
        @Option(name: .long, help: "Key version (default: the current one).") var version: String?

        func validate() throws {
            guard id != nil || (name != nil && vaultName != nil) else { throw ValidationError("give --id, or --name and --vault-name") }
        }

        /// `https://{vault}.{suffix}/keys/{name}/{version}`; the version segment is empty for the
        /// current version (`…/keys/{name}/`), which is how the keys API names it.
        func url(_ client: KuraClient) async throws -> String {
            var given = id ?? ""
            if id == nil { given = try await client.vaultURL(vaultName!) + "/keys/\(name!)" + (version.map { "/\($0)" } ?? "") }
            return given.split(separator: "/").count == 4 ? given + "/" : given
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key (a new version if it exists).", discussion: "Examples:\n  Create an RSA 2048 key for registry encryption.\n    kura keyvault key create --name <key-name> --vault-name <key-vault-name>\n  Create a P-256 key that may only sign and verify.\n    kura keyvault key create --name <key-name> --vault-name <key-vault-name> \\\n      --kty EC --curve P-256 --ops sign verify")
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @Option(name: .long, help: "RSA, RSA-HSM, EC or EC-HSM.") var kty = "RSA"
        @Option(name: .long, help: "RSA key size: 2048, 3072 or 4096.") var size: Int?
        @Option(name: .long, help: "EC curve: P-256, P-384 or P-521.") var curve: String?
        @Option(name: .long, parsing: .upToNextOption, help: "Permitted operations.") var ops: [String] = []
        @Flag(name: .long, help: "Create the key disabled.") var disabled = false
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                var body: JSONObject = ["kty": .string(kty), "attributes": .object(["enabled": .bool(!disabled)])]
                if let size { body["key_size"] = .integer(Int64(size)) }
                if let curve { body["crv"] = .string(curve) }
                if !ops.isEmpty { body["key_ops"] = .array(ops.map { .string($0) }) }
                return KeyOutput.bundle(try await client.vault("POST", try await client.vaultURL(vaultName) + "/keys/\(name)/create", body: .object(body),
                                                              as: KeyBundle.self))
            })
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Import a private key from a PEM file.",
            discussion: """
                A new version if the key exists. The PEM is read here and sent to the vault as a JWK over TLS, as az does; the vault seals it
                at once and never returns a private field. RSA (PKCS#1 or PKCS#8) and EC P-256/P-384/P-521
                (SEC1 or PKCS#8) keys are read, encrypted PKCS#8 files with --pem-password.

                Examples:
                  Import an RSA key made with openssl.
                    openssl genrsa -out key.pem 3072
                    kura keyvault key import --vault-name myvault --name mykey --pem-file key.pem
                """)
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @Option(name: .long, help: "PEM file with the private key.") var pemFile: String
        @Option(name: .long, help: "Password of an encrypted PEM file (PKCS#8, PBES2).") var pemPassword: String?
        @Option(name: .long, help: "software or hsm (kura keeps every key in software).") var protection = "software"
        @Option(name: .long, parsing: .upToNextOption, help: "Permitted operations.") var ops: [String] = []
        @Flag(name: .long, help: "Import the key disabled.") var disabled = false
        @Option(name: .long, parsing: .upToNextOption, help: "Tags: key[=value].") var tags: [String] = []
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard ["software", "hsm"].contains(protection) else {
                throw ValidationError("argument --protection: invalid choice: '\(protection)' (choose from 'hsm', 'software')")
            }
        }

        func run() async throws {
            guard let pem = try? String(contentsOfFile: pemFile, encoding: .utf8) else {
                throw CLIError(.local, "Cannot read the PEM file '\(pemFile)'.")
            }
            var key = try PrivateKeyPEM.jwk(pem, password: pemPassword)
            if !ops.isEmpty, case .object(var members) = key {
                members["key_ops"] = .array(ops.map { .string($0) })
                key = .object(members)
            }
            var body: JSONObject = ["key": key, "hsm": .bool(protection == "hsm"),
                                                           "attributes": .object(["enabled": .bool(!disabled)])]
            if !tags.isEmpty { body["tags"] = Tags.parse(tags) }
            try global.emit(try await global.withClient { client in
                KeyOutput.bundle(try await client.vault("PUT", try await client.vaultURL(vaultName) + "/keys/\(name)", body: .object(body), as: KeyBundle.self))
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a key (its public part).", discussion: "Examples:\n  Keep the key's id (with its version) in a shell variable.\n    keyID=$(kura keyvault key show --name <key-name> \\\n      --vault-name <key-vault-name> --query 'key.kid' --output tsv)")
        @OptionGroup var target: Target
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                try global.emit(try await global.withClient { client in
                    KeyOutput.bundle(try await client.vault("GET", try await target.url(client), as: KeyBundle.self))
                })
            } catch let error as CLIError { throw error.asShow() }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys.")
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await KeyCommand.listed(global, vault: vaultName, path: "/keys", show: KeyOutput.item)
        }
    }

    struct ListVersions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-versions", abstract: "List a key's versions.")
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await KeyCommand.listed(global, vault: vaultName, path: "/keys/\(name)/versions", show: KeyOutput.item)
        }
    }

    struct SetAttributes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-attributes", abstract: "Change a key's attributes, operations or tags.")
        @OptionGroup var target: Target
        @Option(name: .long, help: "true or false.") var enabled: Bool?
        @Option(name: .long, parsing: .upToNextOption, help: "Permitted operations.") var ops: [String] = []
        @Option(name: .long, parsing: .upToNextOption, help: "Tags: key[=value].") var tags: [String] = []
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(try await global.withClient { client in
                var body: JSONObject = [:]
                if let enabled { body["attributes"] = .object(["enabled": .bool(enabled)]) }
                if !ops.isEmpty { body["key_ops"] = .array(ops.map { .string($0) }) }
                if !tags.isEmpty { body["tags"] = Tags.parse(tags) }
                return KeyOutput.bundle(try await client.vault("PATCH", try await target.url(client), body: .object(body), as: KeyBundle.self))
            })
        }
    }

    /// A listing of `/keys`, `/keys/{name}/versions` or `/deletedkeys`, every page, as az prints it.
    static func listed<Item: Codable & Sendable & Equatable>(_ global: GlobalOptions, vault: String, path: String, show: (Item) -> JSONValue) async throws {
        let items = try await global.withClient { client in try await client.vaultList(try await client.vaultURL(vault) + path, of: Item.self) }
        try global.emit(.array(items.map(show)))
    }

    /// A command on `/keys/{name}/{action}` or `/deletedkeys/{name}[/{action}]`.
    static func named<Answer: Decodable & Sendable>(_ global: GlobalOptions, _ method: String, vault: String, path: String, body: JSONValue? = nil,
                              longRunning: Bool = false, show: (Answer) -> JSONValue) async throws {
        let answer = try await global.withClient(longRunning: longRunning) { client in
            try await client.vault(method, try await client.vaultURL(vault) + path, body: body, as: Answer.self)
        }
        try global.emit(show(answer))
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a key (soft delete).")
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions
        func run() async throws { try await KeyCommand.named(global, "DELETE", vault: vaultName, path: "/keys/\(name)", show: KeyOutput.deleted) }
    }

    struct ListDeleted: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-deleted", abstract: "List deleted keys.")
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await KeyCommand.listed(global, vault: vaultName, path: "/deletedkeys", show: KeyOutput.deletedItem)
        }
    }

    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "recover", abstract: "Recover a deleted key.")
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions
        func run() async throws { try await KeyCommand.named(global, "POST", vault: vaultName, path: "/deletedkeys/\(name)/recover", show: KeyOutput.bundle) }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "purge", abstract: "Permanently delete a deleted key.")
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await global.withClient { client in try await client.vault("DELETE", try await client.vaultURL(vaultName) + "/deletedkeys/\(name)") }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate", abstract: "Create a new version of a key.")
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions
        func run() async throws { try await KeyCommand.named(global, "POST", vault: vaultName, path: "/keys/\(name)/rotate", show: KeyOutput.bundle) }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write a key's backup blob to a file.")
        @Option(name: [.short, .long], help: "Key name.") var name: String
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @Option(name: [.short, .long], help: "File to write.") var file: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let answer = try await global.withClient(longRunning: true) { client in
                try await client.vault("POST", try await client.vaultURL(vaultName) + "/keys/\(name)/backup", as: BackupKeyResult.self)
            }
            guard let blob = Data(base64URL: answer.value) else {
                throw CLIError(.local, "The vault's backup answer is malformed.")
            }
            try LocalFile.write(blob, to: file)
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore a key from a backup file.")
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @Option(name: [.short, .long], help: "Backup file.") var file: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            guard let blob = FileManager.default.contents(atPath: file) else { throw CLIError(.local, "Cannot read \(file).") }
            try await KeyCommand.named(global, "POST", vault: vaultName, path: "/keys/restore",
                                       body: .object(["value": .string(blob.base64URLString)]), longRunning: true, show: KeyOutput.bundle)
        }
    }

    /// `encrypt`/`decrypt`: az's answer shape `{"kid", "result", "algorithm"}`.
    static func crypt(_ global: GlobalOptions, _ target: Target, _ operation: String, algorithm: String, value: Data) async throws {
        try global.emit(try await global.withClient { client in
            let answer = try await client.vault("POST", try await target.url(client) + "/" + operation,
                                                body: .object(["alg": .string(algorithm), "value": .string(value.base64URLString)]),
                                                as: KeyOperationResult.self)
            guard let bytes = Data(base64URL: answer.value) else { throw CLIError(.local, "The vault's \(operation) answer is malformed.") }
            return .object(["algorithm": .string(algorithm), "kid": .string(answer.kid), "result": .string(bytes.base64EncodedString())])
        })
    }

    struct Encrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "encrypt", abstract: "Encrypt a value with a key (on the vault).")
        @OptionGroup var target: Target
        @Option(name: [.short, .long], help: "RSA-OAEP, RSA-OAEP-256 or RSA1_5.") var algorithm: String
        @Option(name: .long, help: "The value.") var value: String
        @Option(name: .long, help: "base64 or plaintext.") var dataType = "base64"
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bytes = dataType == "plaintext" ? Data(value.utf8) : Data(base64Encoded: value)
            guard let bytes else { throw CLIError(.usage, "argument --value: not base64 (use --data-type plaintext for text)") }
            try await KeyCommand.crypt(global, target, "encrypt", algorithm: algorithm, value: bytes)
        }
    }

    struct Decrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "decrypt", abstract: "Decrypt a value with a key (on the vault).")
        @OptionGroup var target: Target
        @Option(name: [.short, .long], help: "RSA-OAEP, RSA-OAEP-256 or RSA1_5.") var algorithm: String
        @Option(name: .long, help: "The ciphertext, base64.") var value: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            guard let bytes = Data(base64Encoded: value) else { throw CLIError(.usage, "argument --value: not base64") }
            try await KeyCommand.crypt(global, target, "decrypt", algorithm: algorithm, value: bytes)
        }
    }
}

/// `kura keyvault audit list/verify`: a vault's audit log (Owner only), as kura serves it.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Read and verify a vault's audit log.",
                                                    subcommands: [List.self, Verify.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List audit entries.")
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @Option(name: .long, help: "Only entries since this time (ISO 8601 or Unix milliseconds).") var since: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            var query = ""
            if let since {
                let milliseconds = Int64(since) ?? ISO8601DateFormatter().date(from: since).map { Int64($0.timeIntervalSince1970 * 1000) }
                guard let milliseconds else { throw CLIError(.usage, "argument --since: not a time") }
                query = "?since=\(milliseconds)"
            }
            try global.emit(try await global.withClient { client in
                // Entries are free-form: each is the hash-chained record as the vault wrote it.
                try await client.call("GET", "\(client.profile.server)/kura/v1/vaults/\(vaultName)/auditLog\(query)",
                                      resource: client.managementResource, as: ARMList<JSONValue>.self).value
            })
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify the hash chain; name the first broken entry.")
        @Option(name: .long, help: "Vault name.") var vaultName: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let result = try await global.withClient { client in
                try await client.call("GET", "\(client.profile.server)/kura/v1/vaults/\(vaultName)/auditLog/verify", resource: client.managementResource,
                                      as: AuditVerification.self)
            }
            try global.emit(result)
            if !result.intact { throw CLIError(.local, "The audit log of \(vaultName) is broken.") }
        }
    }
}

extension Data {
    /// Decodes base64url (with or without padding).
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }

    var base64URLString: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

extension KuraClient {
    /// `https://{vault}.{keyVaultDns}` from the server's cloud metadata (as az's `suffixes.keyVaultDns`).
    public func vaultURL(_ vault: String) async throws -> String {
        "https://\(vault.lowercased()).\(try await vaultSuffix())"
    }

    /// The vault DNS suffix with port (`vault.localhost:8443`), read from `/metadata/endpoints` once per client.
    public func vaultSuffix() async throws -> String {
        if let known = knownVaultSuffix.withLock({ $0 }) { return known }
        let reply = try await send("GET", "\(profile.server)/metadata/endpoints?api-version=2022-09-01", body: nil,
                                   contentType: "application/json", bearer: nil)
        guard reply.status == 200, let suffix = reply.decode(CloudMetadata.self)?.suffixes.keyVaultDns else {
            throw CLIError(.local, "The server's /metadata/endpoints names no keyVaultDns suffix.")
        }
        knownVaultSuffix.withLock { $0 = suffix }
        return suffix
    }

    /// A Key Vault call with a token for the vault resource (an answer without a body: purge).
    public func vault(_ method: String, _ url: String, body: JSONValue? = nil) async throws {
        _ = try await callReply(method, try await vaultRequestURL(url), resource: "https://" + (try await vaultSuffix()), body: body)
    }

    /// A Key Vault call answered with `Model`.
    public func vault<Model: Decodable>(_ method: String, _ url: String, body: JSONValue? = nil, as type: Model.Type) async throws -> Model {
        try await call(method, try await vaultRequestURL(url), resource: "https://" + (try await vaultSuffix()), body: body, as: type)
    }

    func vaultRequestURL(_ url: String) async throws -> String {
        url + (url.contains("?") ? "&" : "?") + "api-version=\(KeyCommand.apiVersion)"
    }

    /// Every item of a Key Vault list, following `nextLink`.
    public func vaultList<Item: Codable & Sendable & Equatable>(_ url: String, of type: Item.Type) async throws -> [Item] {
        var page = try await vault("GET", url, as: KeyListPage<Item>.self)
        var items = page.value
        while let next = page.nextLink {
            page = try await call("GET", next, resource: "https://" + (try await vaultSuffix()), as: KeyListPage<Item>.self)
            items += page.value
        }
        return items
    }
}
