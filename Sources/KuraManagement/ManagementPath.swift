// kura — a self-hosted encrypted container registry.
// ManagementPath: what an ARM request path addresses.

import Foundation
public import KuraCore

/// The target of an ARM request, parsed from its path. Keywords match in any case; names keep
/// the casing of the request.
public enum ManagementPath: Equatable, Sendable {
    /// `/subscriptions/{s}/resourcegroups`
    case resourceGroups(subscription: String)
    /// `/subscriptions/{s}/resourcegroups/{rg}`
    case resourceGroup(ResourceID)
    /// `/subscriptions/{s}[/resourceGroups/{rg}]/resources` (generic list with `$filter`)
    case genericResources(scope: ResourceID)
    /// `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]`
    case authorization(scope: ResourceID, collection: String, name: String?)
    /// `{scope}/providers/{Namespace}/{type}`: a list, or a provider-level action such as
    /// `checkNameAvailability` (then `type` is that action's name).
    case collection(scope: ResourceID, namespace: String, type: String)
    /// `…/providers/{Namespace}/{type}/{name}[/{childType}/{childName}]…`
    case resource(ResourceID)
    /// `…/{type}/{name}/{action}`, e.g. `listCredentials`.
    case action(ResourceID, name: String)

    /// Parses a request path (without query); nil when it is not an ARM path.
    public init?(path: String) {
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // `…/resourcegroups/{rg}/deployments/…` is the SDKs' older spelling of
        // `…/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/…`.
        if segments.count > 4, segments[2].lowercased() == "resourcegroups", segments[4].lowercased() == "deployments" {
            segments.insert(contentsOf: ["providers", "Microsoft.Resources"], at: 4)
        }
        guard segments.count >= 2, segments[0].lowercased() == "subscriptions" else { return nil }
        let subscription = segments[1]
        if let providers = segments.lastIndex(where: { $0.lowercased() == "providers" }),
           providers + 2 < segments.count, segments[providers + 1].lowercased() == "microsoft.authorization" {
            let scopeText = "/" + segments[..<providers].joined(separator: "/")
            guard let scope = ResourceID(parsing: scopeText), segments.count <= providers + 4 else { return nil }
            self = .authorization(scope: scope, collection: segments[providers + 2],
                                  name: segments.count == providers + 4 ? segments[providers + 3] : nil)
            return
        }
        var index = 2
        var group: String?
        if segments.count > 2, segments[2].lowercased() == "resourcegroups" {
            if segments.count == 3 {
                self = .resourceGroups(subscription: subscription)
                return
            }
            group = segments[3]
            index = 4
            if segments.count == 4 {
                self = .resourceGroup(ResourceID(subscription: subscription, resourceGroup: group))
                return
            }
        }
        let scope = ResourceID(subscription: subscription, resourceGroup: group)
        guard index < segments.count else { return nil }
        if segments[index].lowercased() == "resources", segments.count == index + 1 {
            self = .genericResources(scope: scope)
            return
        }
        guard segments[index].lowercased() == "providers", segments.count >= index + 3 else { return nil }
        let namespace = segments[index + 1]
        let rest = Array(segments[(index + 2)...])
        if rest.count == 1 {
            self = .collection(scope: scope, namespace: namespace, type: rest[0])
            return
        }
        let pairs = rest.count / 2
        let id = ResourceID(subscription: subscription, resourceGroup: group, namespace: namespace,
                            types: (0..<pairs).map { rest[2 * $0] }, names: (0..<pairs).map { rest[2 * $0 + 1] })
        self = rest.count.isMultiple(of: 2) ? .resource(id) : .action(id, name: rest[rest.count - 1])
    }
}
