// kura — a self-hosted encrypted container registry.
// RegistryAccess: scopes, actions and who may do what (docker token spec, ACR style).


/// What a request needs or a token grants: `repository:<name>:<actions>` or `registry:catalog:*`.
public struct AccessScope: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `repository` or `registry`.
    public var type: String
    /// A repository name, or `catalog`.
    public var name: String
    /// `pull`, `push`, `delete`, `metadata_read`, `metadata_write`, or `*`.
    public var actions: [String]

    public init(type: String, name: String, actions: [String]) {
        self.type = type
        self.name = name
        self.actions = actions
    }

    /// Parses a `scope` parameter; nil when malformed.
    public init?(parsing text: String) {
        let first = text.firstIndex(of: ":")
        let last = text.lastIndex(of: ":")
        guard let first, let last, first < last else { return nil }
        type = String(text[..<first])
        name = String(text[text.index(after: first)..<last])
        actions = text[text.index(after: last)...].split(separator: ",").map(String.init)
        guard !type.isEmpty, !name.isEmpty else { return nil }
    }

    /// `repository:<name>:<action>`.
    public static func repository(_ name: RepositoryName, _ actions: String...) -> AccessScope {
        AccessScope(type: "repository", name: name.value, actions: actions)
    }

    public static let catalog = AccessScope(type: "registry", name: "catalog", actions: ["*"])

    public var description: String { "\(type):\(name):\(actions.joined(separator: ","))" }

    /// Whether this grant covers every action of `needed` (same type and name).
    public func covers(_ needed: AccessScope) -> Bool {
        guard type == needed.type, name == needed.name else { return false }
        return actions.contains("*") || needed.actions.allSatisfy(actions.contains)
    }
}

/// Who is calling a registry.
public enum RegistryCaller: Sendable, Equatable {
    /// No credentials.
    case anonymous
    /// The registry's admin user (Basic auth).
    case admin
    /// A directory principal (AAD-style token exchanged for a refresh token; login plane).
    case principal(objectID: String)

    /// The `sub` of tokens issued to this caller.
    public var subject: String {
        switch self {
        case .anonymous: "anonymous"
        case .admin: "admin"
        case .principal(let objectID): objectID
        }
    }
}

/// The built-in roles that carry registry data actions (ARM's role names).
public enum RegistryRole: String, Sendable, CaseIterable {
    case owner = "Owner"
    case contributor = "Contributor"
    case reader = "Reader"
    case acrPull = "AcrPull"
    case acrPush = "AcrPush"
    case acrDelete = "AcrDelete"

    /// Repository actions the role grants (Reader is a management role: no data access).
    public var repositoryActions: [String] {
        switch self {
        case .owner, .contributor: RegistryAuthorizer.repositoryActions
        case .acrPush: ["pull", "push", "metadata_read", "metadata_write"]
        case .acrPull: ["pull", "metadata_read"]
        case .acrDelete: ["delete"]
        case .reader: []
        }
    }

    /// Whether the role may list the catalog.
    public var listsCatalog: Bool { !repositoryActions.isEmpty && self != .acrDelete }
}

/// The registry's authorization rules.
public enum RegistryAuthorizer {
    /// Every action the spec and ACR know on repositories.
    public static let repositoryActions = ["pull", "push", "delete", "metadata_read", "metadata_write"]

    /// What `caller` may do under `requested` in `registry`: every entitled action for the
    /// requested repository at once (oras-py reuses its first token), or nothing.
    /// - Parameter roles: the roles a `.principal` caller holds on this registry.
    public static func grant(_ requested: AccessScope, to caller: RegistryCaller, in registry: RegistryRecord,
                             roles: Set<RegistryRole> = []) -> AccessScope? {
        let entitled: [String]
        switch (caller, requested.type) {
        case (.admin, "repository"): entitled = repositoryActions
        case (.admin, "registry"): entitled = ["*"]
        case (.anonymous, "repository") where registry.anonymousPullEnabled: entitled = ["pull", "metadata_read"]
        case (.principal, "repository"):
            entitled = repositoryActions.filter { action in roles.contains { $0.repositoryActions.contains(action) } }
        case (.principal, "registry"): entitled = roles.contains(where: \.listsCatalog) ? ["*"] : []
        default: entitled = []
        }
        guard !entitled.isEmpty else { return nil }
        if requested.type == "repository" && RepositoryName(requested.name) == nil { return nil }
        return AccessScope(type: requested.type, name: requested.name, actions: entitled)
    }
}
