// kura — a self-hosted encrypted container registry.
// InstallationEndpoints: the URLs and token audiences of one installation.

/// Where each plane of an installation answers and which audience its tokens carry. Audiences
/// are fixed strings so tokens stay valid across restarts; clients learn them from
/// `/metadata/endpoints`.
public struct InstallationEndpoints: Sendable, Equatable {
    /// `https://<main host>:<port>`: login and management (ARM) endpoint.
    public let main: String
    /// Audience of management (ARM) tokens: `https://management.<main host>/`.
    public let managementAudience: String
    /// Audience of Key Vault tokens: the vault challenge resource `https://<vault suffix>:<port>`.
    public let vaultAudience: String
    /// Audiences accepted by registries: the ACR SDK's default and `https://<registry suffix>:<port>`.
    public let registryAudiences: [String]
    /// Audience of directory (Microsoft Graph-style) tokens, and the Graph base URL: `https://<main host>:<port>/`.
    public let graphAudience: String
    /// `<vault suffix>:<port>` and `<registry suffix>:<port>`, as `/metadata/endpoints` publishes them.
    public let vaultDNSSuffix: String
    public let registryLoginSuffix: String

    public init(mainHost: String, vaultSuffix: String, registrySuffix: String, port: Int) {
        let portSuffix = port == 443 ? "" : ":\(port)"
        main = "https://\(mainHost)\(portSuffix)"
        managementAudience = "https://management.\(mainHost)/"
        vaultAudience = "https://\(vaultSuffix)\(portSuffix)"
        registryAudiences = ["https://containerregistry.azure.net", "https://\(registrySuffix)\(portSuffix)"]
        graphAudience = main + "/"
        vaultDNSSuffix = vaultSuffix + portSuffix
        registryLoginSuffix = registrySuffix + portSuffix
    }

    /// Every audience a token may be issued for.
    public var allAudiences: [String] { [managementAudience, vaultAudience, graphAudience] + registryAudiences }

    /// The audience a requested `scope` (`<resource>/.default`) or `resource` names, matched
    /// with or without a trailing slash; nil for a resource this installation does not serve.
    public func audience(forResource requested: String) -> String? {
        var resource = requested
        if resource.hasSuffix("/.default") { resource.removeLast("/.default".count) }
        let trimmed = resource.hasSuffix("/") ? String(resource.dropLast()) : resource
        return allAudiences.first { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) == trimmed }
    }
}
