// kura — a self-hosted encrypted container registry.
// RemoteVaultHosts: the vault hosts outside this installation that kura may send a token to.

import Foundation

/// The operator's list of key vault hosts outside this installation (`keys.remoteVaultHosts`).
/// A token kura mints is sent to no other host, and a key on any other host is refused before
/// any connection is made. Empty by default: only this installation's own vaults are used.
///
/// Each entry is `host`, `host:port`, `*.domain` or `*.domain:port` (lowercase DNS names; no
/// port means 443). `*.vault.azure.net` allows every Azure Key Vault in Azure's public cloud.
public struct RemoteVaultHosts: Sendable, Equatable, CustomStringConvertible {
    /// One allowed host or domain.
    struct Entry: Sendable, Equatable {
        /// The exact host, or the domain below which any host matches (for a wildcard entry).
        let host: String
        let isWildcard: Bool
        let port: Int
    }

    let entries: [Entry]

    /// No remote vault at all (the default).
    public static let none = RemoteVaultHosts(entries: [])

    init(entries: [Entry]) { self.entries = entries }

    /// Parses a comma-separated list.
    /// - Throws: ``ConfigError`` naming the first entry that is not a host pattern.
    public init(parsing text: String) throws(ConfigError) {
        var entries: [Entry] = []
        for item in text.split(separator: ",") {
            let pattern = item.trimmingSpaces.lowercased()
            if pattern.isEmpty { continue }
            guard let entry = Self.entry(pattern) else {
                throw ConfigError("keys.remoteVaultHosts: '\(pattern)' is not host, host:port, *.domain or *.domain:port")
            }
            entries.append(entry)
        }
        self.init(entries: entries)
    }

    private static func entry(_ pattern: String) -> Entry? {
        var hostPart = Substring(pattern)
        var port = 443
        if let colon = hostPart.lastIndex(of: ":") {
            guard let parsed = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(parsed) else { return nil }
            port = parsed
            hostPart = hostPart[..<colon]
        }
        let isWildcard = hostPart.hasPrefix("*.")
        if isWildcard { hostPart = hostPart.dropFirst(2) }
        let labels = hostPart.split(separator: ".", omittingEmptySubsequences: false)
        let validLabels = !labels.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d
            }
        }
        // A wildcard needs a domain of at least two labels: `*.com` would allow half the internet.
        guard validLabels, !isWildcard || labels.count >= 2 else { return nil }
        return Entry(host: String(hostPart), isWildcard: isWildcard, port: port)
    }

    /// Whether kura may connect to `host` on `port` and send it a token.
    public func allows(host: String, port: Int) -> Bool {
        let host = host.lowercased()
        return entries.contains { entry in
            guard entry.port == port else { return false }
            return entry.isWildcard ? host.hasSuffix("." + entry.host) : host == entry.host
        }
    }

    /// The lowercase host and port of an https `url` without user info, if this list allows it.
    public func allowedAuthority(of url: String) -> (host: String, port: Int)? {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
              let host = components.host?.lowercased(), !host.isEmpty, components.user == nil, components.password == nil,
              allows(host: host, port: components.port ?? 443) else { return nil }
        return (host, components.port ?? 443)
    }

    public var isEmpty: Bool { entries.isEmpty }

    public var description: String {
        entries.map { ($0.isWildcard ? "*." : "") + $0.host + ($0.port == 443 ? "" : ":\($0.port)") }.joined(separator: ",")
    }
}
