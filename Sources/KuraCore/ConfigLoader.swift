// kura — a self-hosted encrypted container registry.
// ConfigLoader: YAML file + KURA_* environment + flags → KuraConfig.

import Foundation
import Yams

/// Builds the effective ``KuraConfig``: defaults, then the YAML file, then `KURA_*` environment
/// variables, then flags (`key=value` pairs). Later sources win. Unknown keys in the file or
/// in flags are an error that names the key.
public enum ConfigLoader {
    /// - Parameters:
    ///   - yaml: the contents of the config file, if there is one.
    ///   - source: how to name the file in error messages.
    ///   - environment: the process environment; only names of known keys are read.
    ///   - overrides: flag values as (dotted key, value), applied last in order.
    /// - Throws: ``ConfigError`` naming the key and the source of a bad or unknown setting.
    public static func load(yaml: String?, source: String = "kura.yaml", environment: [String: String],
                            overrides: [(key: String, value: String)]) throws(ConfigError) -> KuraConfig {
        var config = KuraConfig()
        if let yaml {
            for (key, value) in try flatten(yaml: yaml, source: source) {
                guard let setting = ConfigSetting.named(key) else {
                    throw ConfigError("unknown configuration key '\(key)' in \(source); known keys: \(knownKeys)")
                }
                try wrap(source) { () throws(ConfigError) in try setting.apply(value, to: &config) }
            }
        }
        for setting in ConfigSetting.all {
            if let value = environment[setting.environmentName] {
                try wrap(setting.environmentName) { () throws(ConfigError) in try setting.apply(value, to: &config) }
            }
        }
        for (key, value) in overrides {
            guard let setting = ConfigSetting.named(key) else {
                throw ConfigError("unknown configuration key '\(key)' in --set; known keys: \(knownKeys)")
            }
            try wrap("flags") { () throws(ConfigError) in try setting.apply(value, to: &config) }
        }
        if config.metadataBackend == .postgres && config.metadataURL == nil {
            throw ConfigError("storage.metadata.backend is postgres but storage.metadata.url is not set")
        }
        return config
    }

    /// The effective configuration as YAML, with one comment of help per key; passwords redacted.
    public static func render(_ config: KuraConfig) -> String {
        var lines: [String] = []
        var openPath: [Substring] = []
        for setting in ConfigSetting.all {
            let path = setting.key.split(separator: ".")
            let parents = Array(path.dropLast())
            var shared = 0
            while shared < min(openPath.count, parents.count) && openPath[shared] == parents[shared] { shared += 1 }
            for depth in shared..<parents.count {
                lines.append(String(repeating: "  ", count: depth) + parents[depth] + ":")
            }
            openPath = parents
            let indent = String(repeating: "  ", count: parents.count)
            let value = setting.value(in: config).map(yamlScalar) ?? "null"
            lines.append("\(indent)\(path.last!): \(value)  # \(setting.help)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static var knownKeys: String { ConfigSetting.all.map(\.key).joined(separator: ", ") }

    private static func wrap(_ source: String, _ body: () throws(ConfigError) -> Void) throws(ConfigError) {
        do throws(ConfigError) { try body() } catch { throw ConfigError("\(error.message) (from \(source))") }
    }

    private static func yamlScalar(_ value: String) -> String {
        let plain = value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && !"#:'\"{}[],&*!|>%@`".utf8.contains($0) }
        return plain && !value.isEmpty ? value : "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Flattens a YAML mapping into dotted keys; sequences become comma-joined scalars.
    static func flatten(yaml: String, source: String) throws(ConfigError) -> [(String, String)] {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch { throw ConfigError("\(source) is not valid YAML: \(error)") }
        guard let node else { return [] }
        guard case .mapping = node else { throw ConfigError("\(source): the top level must be a mapping of keys") }
        var pairs: [(String, String)] = []
        try flatten(node, prefix: "", into: &pairs, source: source)
        return pairs
    }

    private static func flatten(_ node: Node, prefix: String, into pairs: inout [(String, String)],
                                source: String) throws(ConfigError) {
        switch node {
        case .mapping(let mapping):
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else { throw ConfigError("\(source): keys must be strings (under '\(prefix)')") }
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                try flatten(valueNode, prefix: path, into: &pairs, source: source)
            }
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard let scalar = item.scalar?.string else { throw ConfigError("\(source): '\(prefix)' must be a list of scalars") }
                items.append(scalar)
            }
            pairs.append((prefix, items.joined(separator: ",")))
        case .scalar(let scalar):
            pairs.append((prefix, scalar.string == "~" || scalar.string == "null" ? "" : scalar.string))
        case .alias:
            throw ConfigError("\(source): aliases are not supported (at '\(prefix)')")
        }
    }
}
