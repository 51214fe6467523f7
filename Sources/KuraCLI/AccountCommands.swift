// kura — a self-hosted encrypted container registry.
// AccountCommands: `kura login`, `kura logout`, `kura account show`.

public import ArgumentParser
import Foundation
import KuraAPI
import KuraJMESPath

/// `kura login --service-principal -u <appId> -p <secret> --tenant <tenant>` or `kura login --local`.
public struct LoginCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "login", abstract: "Log in to a kura server (as az login does).", discussion: "Examples:\n  Log in as the bootstrap admin of the server on this machine (~/.kura/data).\n    kura login --local\n  Log in as a service principal.\n    kura login --service-principal -u <appId> -p <password> --tenant <tenant> \\\n      --server https://localhost:8443")

    @Flag(name: .long, help: "Log in as a service principal (-u app id, -p secret, --tenant).")
    var servicePrincipal = false
    @Option(name: [.short, .long], help: "The service principal's app id.") var username: String?
    @Option(name: [.short, .long], help: "The service principal's secret.") var password: String?
    @Option(name: [.short, .long], help: "The tenant id.") var tenant: String?
    @Flag(name: .long, help: "Use the bootstrap admin of a local data dir (its admin-credentials.json and CA).")
    var local = false
    @Option(name: .long, help: "Data dir for --local (default: $KURA_DATA_DIR or ~/.kura/data).") var dataDir: String?
    @Option(name: .long, help: "The server's main URL (default: with --local, where that data dir is served; else https://localhost:8443).")
    var server: String?
    @Option(name: .long, help: "A CA file to trust (PEM), besides the system's.") var caFile: String?
    @OptionGroup var global: GlobalOptions

    public init() {}

    public func validate() throws {
        guard local || servicePrincipal else { throw ValidationError("use --service-principal (-u, -p, --tenant) or --local") }
        if servicePrincipal, username == nil || password == nil || tenant == nil {
            throw ValidationError("--service-principal needs --username, --password and --tenant")
        }
    }

    public func run() async throws {
        var appID = username ?? "", secret = password ?? "", tenantID = tenant ?? "", ca = caFile
        var server = self.server ?? "https://localhost:8443"
        if local {
            let dir = dataDir ?? ProcessInfo.processInfo.environment["KURA_DATA_DIR"] ?? ((ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.kura/data")
            guard let bytes = FileManager.default.contents(atPath: dir + "/admin-credentials.json"),
                  let admin = try? WireJSON.decode(AdminCredentials.self, from: bytes) else {
                throw CLIError(.local, "No bootstrap admin credentials in \(dir) (admin-credentials.json).")
            }
            (appID, secret, tenantID) = (admin.appId, admin.password, admin.tenant)
            ca = ca ?? dir + "/tls/ca.pem"
            if self.server == nil, let bytes = FileManager.default.contents(atPath: dir + "/serving.json"),
               let serving = try? WireJSON.decode(ServingFile.self, from: bytes) {
                server = serving.url
            }
        }
        let directory = global.directory
        CLIProfile.clear(directory)
        try CLIProfile.write([appID: secret], "secrets.json", in: directory)
        var profile = CLIProfile(server: server.hasSuffix("/") ? String(server.dropLast()) : server, caFile: ca, tenant: tenantID.lowercased(),
                                 appID: appID.lowercased(), subscription: "", subscriptionName: "")
        let subscriptions = try await KuraClient.with(profile: profile, directory: directory, verbose: global.verbose || global.debug) { client in
            try await client.arm("GET", "/subscriptions", apiVersion: "2022-12-01", as: ARMList<Subscription>.self)
        }
        guard let first = subscriptions.value.first else {
            CLIProfile.clear(directory)
            throw CLIError(.local, "No subscriptions found for \(appID).")
        }
        profile.subscription = first.subscriptionId
        profile.subscriptionName = first.displayName
        try profile.save(to: directory)
        try global.emit(.array([Self.account(profile)]))
    }

    /// The account object az prints for a login and `account show`.
    static func account(_ profile: CLIProfile) -> JSONValue {
        .object(["cloudName": "kura", "homeTenantId": .string(profile.tenant), "id": .string(profile.subscription), "isDefault": .bool(true),
                 "managedByTenants": .array([]), "name": .string(profile.subscriptionName), "state": "Enabled",
                 "tenantId": .string(profile.tenant), "user": .object(["name": .string(profile.appID), "type": "servicePrincipal"])])
    }
}

/// `kura logout`: forgets the profile, the secret and the cached tokens.
public struct LogoutCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "logout", abstract: "Log out (forget credentials and tokens).")
    @OptionGroup var global: GlobalOptions
    public init() {}

    public func run() async throws {
        CLIProfile.clear(global.directory)
    }
}

/// `kura account show`.
public struct AccountCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "account", abstract: "The logged-in account.",
                                                           subcommands: [Show.self])
    public init() {}

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the subscription and identity in use.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try global.emit(LoginCommand.account(try CLIProfile.load(from: global.directory)))
        }
    }
}
