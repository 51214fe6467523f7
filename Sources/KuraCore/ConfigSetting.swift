// kura — a self-hosted encrypted container registry.
// ConfigSetting: the table of every configuration key, its env name, parser and renderer.

import Foundation

/// One configuration key: its dotted YAML path, how to parse a value into ``KuraConfig`` and
/// how to render it back. The table ``ConfigSetting/all`` is the single list of known keys, so
/// unknown-key detection, `KURA_*` names and `--print-config` all derive from it.
public struct ConfigSetting: Sendable {
    /// Dotted path in the YAML file, e.g. `keys.checkInterval`.
    public let key: String
    /// One line of help, shown by `--print-config`.
    public let help: String
    let apply: @Sendable (inout KuraConfig, String) throws(ConfigError) -> Void
    let render: @Sendable (KuraConfig) -> String?

    /// The environment variable for this key: `KURA_` + the path in SCREAMING_SNAKE_CASE
    /// (`keys.checkInterval` → `KURA_KEYS_CHECK_INTERVAL`).
    public var environmentName: String {
        var name = "KURA_"
        for character in key {
            if character == "." {
                name.append("_")
            } else if character.isUppercase {
                name.append("_")
                name.append(character)
            } else {
                name.append(contentsOf: character.uppercased())
            }
        }
        return name
    }

    /// Sets this key on `config` from its textual form.
    public func apply(_ value: String, to config: inout KuraConfig) throws(ConfigError) {
        try apply(&config, value)
    }

    /// The key's current value in `config`, or nil when unset.
    public func value(in config: KuraConfig) -> String? { render(config) }

    /// Looks a key up by its dotted path.
    public static func named(_ key: String) -> ConfigSetting? { all.first { $0.key == key } }
}

extension ConfigSetting {
    /// Every key kura understands, in the order `--print-config` shows them.
    public static let all: [ConfigSetting] = [
        ConfigSetting(key: "server.port", help: "HTTPS port (0 picks a free one)",
                      apply: { config, value throws(ConfigError) in
                          guard let port = Int(value), (0...65535).contains(port) else {
                              throw ConfigError("server.port: '\(value)' is not a port number (0-65535)")
                          }
                          config.port = port
                      },
                      render: { String($0.port) }),
        ConfigSetting(key: "server.listen", help: "comma-separated addresses to listen on",
                      apply: { config, value throws(ConfigError) in
                          let addresses = value.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
                          guard !addresses.isEmpty else { throw ConfigError("server.listen: at least one address is needed") }
                          config.listenAddresses = addresses
                      },
                      render: { $0.listenAddresses.joined(separator: ",") }),
        ConfigSetting(key: "server.maxConnections", help: "open connections over all listeners; more are closed at accept",
                      apply: { config, value throws(ConfigError) in
                          guard let count = Int(value), (1...1_000_000).contains(count) else {
                              throw ConfigError("server.maxConnections: '\(value)' is not a number of connections (1-1000000)")
                          }
                          config.maxConnections = count
                      },
                      render: { String($0.maxConnections) }),
        durationSetting("server.handshakeTimeout", help: "a connection whose TLS handshake takes longer is closed",
                        \.handshakeTimeout, isDeadline: true),
        durationSetting("server.headerTimeout", help: "a connection whose request head takes longer (after the handshake or its first byte) is closed",
                        \.headerTimeout, isDeadline: true),
        durationSetting("server.idleTimeout", help: "a connection with no request in progress, or a stalled request body, is closed after this",
                        \.idleTimeout, isDeadline: true),
        durationSetting("server.bodyTimeout", help: "a request body gets this long, plus a second per server.bodyMinimumRate bytes received",
                        \.bodyTimeout, isDeadline: true),
        ConfigSetting(key: "server.bodyMinimumRate", help: "bytes per second a slow request body must keep up (1-1073741824)",
                      apply: { config, value throws(ConfigError) in
                          guard let rate = Int(value), (1...(1 << 30)).contains(rate) else {
                              throw ConfigError("server.bodyMinimumRate: '\(value)' is not a rate in bytes per second (1-1073741824)")
                          }
                          config.bodyMinimumRate = rate
                      },
                      render: { String($0.bodyMinimumRate) }),
        hostSetting("hosts.main", help: "host name of the login and management planes", \.mainHost),
        hostSetting("hosts.vaultSuffix", help: "vaults answer on {vault}.<suffix>", \.vaultSuffix),
        hostSetting("hosts.registrySuffix", help: "registries answer on {registry}.<suffix>", \.registrySuffix),
        enumSetting("storage.metadata.backend", help: "sqlite | postgres", \.metadataBackend),
        ConfigSetting(key: "storage.metadata.url", help: "PostgreSQL URL (postgres backend)",
                      apply: { config, value throws(ConfigError) in
                          guard value.isEmpty || value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
                              throw ConfigError("storage.metadata.url: expected postgres://user:password@host:port/database")
                          }
                          config.metadataURL = value.isEmpty ? nil : value
                      },
                      render: { $0.metadataURL.map(redactingPassword) }),
        enumSetting("storage.blobs.backend", help: "filesystem", \.blobBackend),
        ConfigSetting(key: "storage.blobs.path", help: "blob directory (default <data dir>/blobs)",
                      apply: { config, value throws(ConfigError) in config.blobPath = value.isEmpty ? nil : value },
                      render: { $0.blobPath }),
        durationSetting("keys.checkInterval", help: "how often a customer-managed key is re-validated", \.keyCheckInterval),
        durationSetting("keys.unavailableGrace", help: "how long to serve from a cached key while the vault is unreachable",
                        \.keyUnavailableGrace),
        ConfigSetting(key: "keys.remoteVaultHosts",
                      help: "vault hosts outside this installation a registry's key may name (host[:port] or *.domain[:port], comma-separated; none by default)",
                      apply: { config, value throws(ConfigError) in config.remoteVaultHosts = try RemoteVaultHosts(parsing: value) },
                      render: { $0.remoteVaultHosts.isEmpty ? nil : $0.remoteVaultHosts.description }),
        durationSetting("registry.uploadExpiry", help: "upload sessions older than this are abandoned and their parts deleted",
                        \.uploadExpiry),
        durationSetting("registry.blobCollectionGrace", help: "how long an unreferenced blob keeps its bytes before collection deletes them",
                        \.blobCollectionGrace),
        ConfigSetting(key: "registry.allowSparseManifests",
                      help: "accept manifests whose blobs or child manifests are not pushed (sparse manifests; true | false)",
                      apply: { config, value throws(ConfigError) in
                          switch value.lowercased() {
                          case "true", "yes", "on", "1": config.allowSparseManifests = true
                          case "false", "no", "off", "0": config.allowSparseManifests = false
                          default: throw ConfigError("registry.allowSparseManifests: '\(value)' is not true or false")
                          }
                      },
                      render: { String($0.allowSparseManifests) }),
        ConfigSetting(key: "log.level", help: "trace | debug | info | notice | warning | error | critical",
                      apply: { config, value throws(ConfigError) in
                          let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                          guard levels.contains(value) else {
                              throw ConfigError("log.level: '\(value)' is not one of \(levels.joined(separator: ", "))")
                          }
                          config.logLevel = value
                      },
                      render: { $0.logLevel }),
    ]

    private static func hostSetting(_ key: String, help: String,
                                    _ path: any Sendable & WritableKeyPath<KuraConfig, String>) -> ConfigSetting {
        ConfigSetting(key: key, help: help,
                      apply: { config, value throws(ConfigError) in
                          let valid = !value.isEmpty && value.utf8.allSatisfy {
                              ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x2e
                          }
                          guard valid else { throw ConfigError("\(key): '\(value)' is not a lowercase DNS name") }
                          config[keyPath: path] = value
                      },
                      render: { $0[keyPath: path] })
    }

    private static func enumSetting<E: RawRepresentable<String> & CaseIterable & Sendable>(
        _ key: String, help: String, _ path: any Sendable & WritableKeyPath<KuraConfig, E>
    ) -> ConfigSetting {
        ConfigSetting(key: key, help: help,
                      apply: { config, value throws(ConfigError) in
                          guard let parsed = E(rawValue: value) else {
                              let choices = E.allCases.map(\.rawValue).joined(separator: ", ")
                              throw ConfigError("\(key): '\(value)' is not one of \(choices)")
                          }
                          config[keyPath: path] = parsed
                      },
                      render: { $0[keyPath: path].rawValue })
    }

    /// A positive duration (`500ms`, `30s`, `5m`, `1h`); a connection deadline is also at most 24 h.
    private static func durationSetting(_ key: String, help: String, _ path: any Sendable & WritableKeyPath<KuraConfig, Duration>,
                                        isDeadline: Bool = false) -> ConfigSetting {
        ConfigSetting(key: key, help: help,
                      apply: { config, value throws(ConfigError) in
                          guard let duration = Duration(configValue: value), duration > .zero, !isDeadline || duration <= .seconds(86_400) else {
                              throw ConfigError(isDeadline ? "\(key): '\(value)' is not a duration from 1ms to 24h such as 500ms, 10s or 2m"
                                                           : "\(key): '\(value)' is not a positive duration such as 500ms, 30s, 5m or 1h")
                          }
                          config[keyPath: path] = duration
                      },
                      render: { $0[keyPath: path].configValue })
    }
}

/// Hides the password of a `scheme://user:password@host` URL.
func redactingPassword(_ url: String) -> String {
    guard let scheme = url.range(of: "://"), let at = url.range(of: "@", range: scheme.upperBound..<url.endIndex),
          let colon = url.range(of: ":", range: scheme.upperBound..<at.lowerBound)
    else { return url }
    return url.replacingCharacters(in: colon.upperBound..<at.lowerBound, with: "***")
}

extension Duration {
    /// Parses `250ms`, `30s`, `5m`, `1h` (a bare number means seconds).
    public init?(configValue: String) {
        let units: [(suffix: String, milliseconds: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for unit in units where configValue.hasSuffix(unit.suffix) {
            guard let count = Int64(configValue.dropLast(unit.suffix.count)), count >= 0 else { return nil }
            let (total, overflow) = count.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            self = .milliseconds(total)
            return
        }
        guard let seconds = Int64(configValue), seconds >= 0 else { return nil }
        self = .seconds(seconds)
    }

    /// The shortest exact form among `ms`, `s`, `m`, `h`.
    public var configValue: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        for (suffix, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds % size == 0 {
            return "\(milliseconds / size)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
