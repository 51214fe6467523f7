// kura — a self-hosted encrypted container registry.
// KeyIdentifier: a Key Vault key URL, `https://{vault}.{vault suffix}/keys/{name}[/{version}]`.

import Foundation

/// A key id as Key Vault prints it (`key.kid`) and ACR stores it (`keyIdentifier`).
public struct KeyIdentifier: Equatable, Sendable, CustomStringConvertible {
    /// The vault's name (the host's first label), as written.
    public let vaultName: String
    /// `https://{vault}.{suffix}` without a trailing slash.
    public let vaultURL: String
    public let keyName: String
    /// nil for a versionless id (the registry then follows the key's newest version).
    public let version: String?

    /// Parses `text` when it names a key in a vault under `vaultDNSSuffix` (`vault.localhost:8443`).
    public init?(_ text: String, vaultDNSSuffix: String) {
        guard let url = URLComponents(string: text), let host = url.host else { return nil }
        let authority = host.lowercased() + (url.port.map { ":\($0)" } ?? "")
        guard authority.hasSuffix("." + vaultDNSSuffix.lowercased()) else { return nil }
        self.init(remote: text)
    }

    /// Parses any Key Vault key URL: a vault of another installation or Azure Key Vault
    /// (`https://{vault}.vault.azure.net/keys/{name}[/{version}]`).
    public init?(remote text: String) {
        guard let url = URLComponents(string: text), url.scheme?.lowercased() == "https", let host = url.host else { return nil }
        let vault = String(host.prefix(while: { $0 != "." }))
        let parts = url.path.split(separator: "/").map(String.init)
        guard !vault.isEmpty, (2...3).contains(parts.count), parts[0].lowercased() == "keys", url.query == nil else { return nil }
        vaultName = vault
        vaultURL = "https://\(host)" + (url.port.map { ":\($0)" } ?? "")
        keyName = parts[1]
        version = parts.count == 3 ? parts[2] : nil
    }

    public var description: String { "\(vaultURL)/keys/\(keyName)" + (version.map { "/\($0)" } ?? "") }
}
