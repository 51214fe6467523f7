// kura — a self-hosted encrypted container registry.
// PlaneHost: which plane a request's Host header addresses.

import KuraCore

/// The plane a request is for, decided by its Host (DESIGN §2).
enum PlaneHost: Equatable, Sendable {
    /// Login, management, health and metrics: the main host or a loopback IP literal.
    case main
    /// `{vault}.{vaultSuffix}`.
    case vault(String)
    /// `{registry}.{registrySuffix}`.
    case registry(String)
    /// Anything else.
    case unknown(String)

    /// Classifies a Host header value (with or without port, any case, optional trailing dot).
    init(host rawHost: String?, config: KuraConfig) {
        guard let rawHost, !rawHost.isEmpty else {
            self = .unknown("")
            return
        }
        var host = rawHost.lowercased()
        if host.hasPrefix("[") {
            // IPv6 literal: "[::1]:8443" → "::1"
            host = String(host.dropFirst().prefix { $0 != "]" })
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        if host.hasSuffix(".") { host.removeLast() }
        if host == config.mainHost || host == "127.0.0.1" || host == "::1" || config.listenAddresses.contains(host) {
            self = .main
        } else if let name = Self.label(of: host, under: config.vaultSuffix) {
            self = .vault(name)
        } else if let name = Self.label(of: host, under: config.registrySuffix) {
            self = .registry(name)
        } else {
            self = .unknown(host)
        }
    }

    /// The single leftmost label of `host` when it is `<label>.<suffix>`.
    private static func label(of host: String, under suffix: String) -> String? {
        guard host.hasSuffix("." + suffix) else { return nil }
        let label = host.dropLast(suffix.count + 1)
        guard !label.isEmpty, !label.contains(".") else { return nil }
        return String(label)
    }
}
