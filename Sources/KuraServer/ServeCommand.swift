// kura — a self-hosted encrypted container registry.
// ServeCommand: `kura serve`.

public import ArgumentParser
import Foundation
import KuraAPI
import KuraCore
import KuraRegistry
import KuraStorage
import Logging
import Metrics
import Prometheus

/// `kura serve`: runs every plane on one HTTPS port until SIGTERM/SIGINT.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the kura server: every plane on one HTTPS port.",
        discussion: """
            Settings come from defaults, then the YAML file (--config, default <data dir>/kura.yaml), then KURA_* \
            environment variables, then flags. `kura serve --print-config` shows the result.
            """)

    @Option(name: .long, help: "Data directory (env KURA_DATA_DIR; default ~/.kura/data).")
    var dataDir: String?

    @Option(name: .long, help: "YAML configuration file (default <data dir>/kura.yaml).")
    var config: String?

    @Option(name: .long, help: "HTTPS port (setting server.port).")
    var port: Int?

    @Option(name: .long, help: "Log level (setting log.level).")
    var logLevel: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Any setting, as key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(name: .long, help: "Print the effective configuration and exit.")
    var printConfig = false

    public init() {}

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = DataDirectory.resolve(flag: dataDir, environment: environment)
        let effective = try loadConfig(directory: directory, environment: environment)
        if printConfig {
            FileHandle.standardOutput.write(Data(ConfigLoader.render(effective).utf8))
            return
        }

        let level = Logger.Level(rawValue: effective.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = Logger(label: "kura")

        let server: KuraServer
        do {
            server = try await KuraServer.bootstrap(directory: directory, config: effective, environment: environment,
                                                    logger: logger, metrics: metrics)
        } catch {
            throw ValidationError("cannot start: \(error)")
        }
        FileHandle.standardOutput.write(Data(Self.banner(server).utf8))
        try await server.run()
    }

    private func loadConfig(directory: DataDirectory, environment: [String: String]) throws -> KuraConfig {
        let file = config ?? directory.configFile
        var yaml: String? = nil
        if FileManager.default.fileExists(atPath: file) {
            yaml = try String(contentsOfFile: file, encoding: .utf8)
        } else if config != nil {
            throw ValidationError("configuration file \(file) does not exist")
        }
        var overrides: [(key: String, value: String)] = []
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else { throw ValidationError("--set expects key=value, got '\(setting)'") }
            overrides.append((String(setting[..<equals]), String(setting[setting.index(after: equals)...])))
        }
        if let port { overrides.append(("server.port", String(port))) }
        if let logLevel { overrides.append(("log.level", logLevel)) }
        do {
            return try ConfigLoader.load(yaml: yaml, source: file, environment: environment, overrides: overrides)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// What an operator needs to see at start; the admin secret only on the first start.
    static func banner(_ server: KuraServer) -> String {
        let config = server.config
        var lines = [
            "kura is serving https://\(config.mainHost):\(config.port) on \(config.listenAddresses.joined(separator: ", "))",
            "  data dir:      \(server.directory.path)",
            "  CA to trust:   \(server.directory.caCertificateFile)",
            "                 e.g. curl --cacert \(server.directory.caCertificateFile) https://\(config.mainHost):\(config.port)/healthz",
            "  tenant:        \(server.installation.tenantId)",
            "  subscription:  \(server.installation.subscriptionId)",
            "  vaults:        https://<vault>.\(config.vaultSuffix):\(config.port)",
            "  registries:    https://<registry>.\(config.registrySuffix):\(config.port)",
        ]
        if let first = server.firstStart {
            lines += [
                "",
                "First start: bootstrap admin service principal (the password is shown only now;",
                "it is also in \(server.directory.adminCredentialsFile), mode 0600, for `kura login --local`):",
                "  appId:     \(first.admin.appId)",
                "  password:  \(first.admin.password)",
                "  tenant:    \(first.admin.tenant)",
            ]
            if let registry = first.defaultRegistry {
                lines += ["", "Registry '\(registry.record.name)' (service-managed encryption) at \(registry.record.name).\(config.registrySuffix):\(config.port):"]
                if let credentials = registry.credentials {
                    lines += ["  username:  \(credentials.username)", "  password:  \(credentials.passwords[0])"]
                }
            }
        }
        if let user = server.newAdminUser {
            lines += [
                "",
                "Admin user for the portal (https://\(config.mainHost):\(config.port)/; the password is shown only now,",
                "and kept in \(server.directory.adminCredentialsFile)):",
                "  user:      \(user.userPrincipalName)",
                "  password:  \(user.password)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
