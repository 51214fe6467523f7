// kura — a self-hosted encrypted container registry.
// PortalPaths: the ARM paths and api-versions the portal calls, and the portal page of each resource.

import Foundation
import KuraCore

/// The api-version the portal sends for each resource type (one ARM accepts, as `az` sends).
enum APIVersions {
    static let groups = "2022-09-01"
    static let resources = "2022-09-01"
    static let identities = "2023-01-31"
    static let vaults = "2023-07-01"
    static let registries = "2023-07-01"
    static let roleAssignments = "2022-04-01"
}

/// Resource types the portal has pages for.
enum ResourceTypes {
    static let identity = "Microsoft.ManagedIdentity/userAssignedIdentities"
    static let vault = "Microsoft.KeyVault/vaults"
    static let registry = "Microsoft.ContainerRegistry/registries"
    static let group = "Microsoft.Resources/subscriptions/resourceGroups"
}

extension PortalRequest {
    /// `/subscriptions/{s}/resourceGroups/{group}`.
    func groupPath(_ group: String) -> String { "\(subscriptionPath)/resourceGroups/\(Self.segment(group))" }

    /// `/subscriptions/{s}/resourceGroups/{group}/providers/{type}/{name}`.
    func resourcePath(_ group: String, _ type: String, _ name: String) -> String {
        "\(groupPath(group))/providers/\(type)/\(Self.segment(name))"
    }

    /// `/subscriptions/{s}/resourceGroups/{group}/providers/Microsoft.Resources/deployments/{name}`.
    func deploymentPath(_ group: String, _ name: String) -> String {
        "\(groupPath(group))/providers/Microsoft.Resources/deployments/\(Self.segment(name))"
    }

    /// A name as one segment of an ARM path: a `/` typed into a name field stays inside the name
    /// (which ARM then refuses as a name) instead of adding path segments.
    static func segment(_ name: String) -> String { name.replacingOccurrences(of: "/", with: "%2F") }

    func resourceID(_ group: String, _ type: String, _ name: String) -> ResourceID {
        .resource(subscription: subscriptionID, resourceGroup: group, type: type, name: name)
    }

    func groupID(_ group: String) -> ResourceID { ResourceID(subscription: subscriptionID, resourceGroup: group) }
}

enum PortalLinks {
    /// The portal page of the resource `id` (nil for a type the portal has no page for).
    static func page(of id: ResourceID) -> String? {
        guard let groupName = id.resourceGroup else { return nil }
        let base = group(groupName)
        switch id.type.lowercased() {
        case ResourceTypes.identity.lowercased(): return "\(base)/identities/\(escaped(id.name))"
        case ResourceTypes.vault.lowercased(): return "\(base)/vaults/\(escaped(id.name))"
        case ResourceTypes.registry.lowercased(): return "\(base)/registries/\(escaped(id.name))"
        case ResourceTypes.group.lowercased(): return base
        default: return nil
        }
    }

    /// A path segment or query value, percent-encoded: everything but ASCII letters, digits and `-._~`.
    static func escaped(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: unreserved) ?? segment
    }

    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    /// A resource group's page.
    static func group(_ name: String) -> String { "/portal/groups/\(escaped(name))" }

    /// A resource type as the portal names it.
    static func kind(of type: String) -> String {
        switch type.lowercased() {
        case ResourceTypes.identity.lowercased(): "Managed Identity"
        case ResourceTypes.vault.lowercased(): "Key vault"
        case ResourceTypes.registry.lowercased(): "Container registry"
        default: type
        }
    }
}
