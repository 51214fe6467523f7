// kura — a self-hosted encrypted container registry.
// ResourceID: ARM's resource ids, parsed, compared case-insensitively, printed as created.

import Foundation

/// An ARM resource id or scope:
/// `/subscriptions/{s}[/resourceGroups/{rg}][/providers/{Namespace}/{type}/{name}[/{childType}/{childName}]…]`.
///
/// Ids keep the casing they were written with (ARM echoes names as created) and compare by
/// ``key``, the lower-cased canonical form (ARM matches names case-insensitively).
public struct ResourceID: Hashable, Sendable, CustomStringConvertible {
    public let subscription: String
    public let resourceGroup: String?
    /// Provider namespace, e.g. `Microsoft.KeyVault`; nil for a subscription or resource group.
    public let namespace: String?
    /// Type segments after the namespace (`["vaults"]`, `["vaults", "accessPolicies"]`).
    public let types: [String]
    /// One name per type segment.
    public let names: [String]

    public init(subscription: String, resourceGroup: String? = nil, namespace: String? = nil, types: [String] = [],
                names: [String] = []) {
        precondition(types.count == names.count && (namespace == nil) == types.isEmpty, "a resource id needs one name per type")
        self.subscription = subscription
        self.resourceGroup = resourceGroup
        self.namespace = namespace
        self.types = types
        self.names = names
    }

    /// The id of a top-level resource `{namespace}/{type}` named `name` in a resource group.
    public static func resource(subscription: String, resourceGroup: String, type: String, name: String) -> ResourceID {
        let parts = type.split(separator: "/").map(String.init)
        return ResourceID(subscription: subscription, resourceGroup: resourceGroup, namespace: parts[0],
                          types: Array(parts.dropFirst()), names: [name])
    }

    /// Parses an id; nil when it is not one (wrong keywords, a type without a name, empty segments).
    /// Keywords (`subscriptions`, `resourceGroups`, `providers`) match in any case.
    public init?(parsing text: String) {
        let segments = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard segments.count >= 2, segments[0].lowercased() == "subscriptions" else { return nil }
        var index = 2
        var group: String?
        if segments.count >= 4, segments[2].lowercased() == "resourcegroups" {
            group = segments[3]
            index = 4
        } else if segments.count == 3 {
            return nil
        }
        var namespace: String?
        var types: [String] = []
        var names: [String] = []
        if index < segments.count {
            guard segments[index].lowercased() == "providers", segments.count >= index + 4 else { return nil }
            namespace = segments[index + 1]
            let rest = segments[(index + 2)...]
            guard rest.count.isMultiple(of: 2) else { return nil }
            for (offset, segment) in rest.enumerated() {
                if offset.isMultiple(of: 2) { types.append(segment) } else { names.append(segment) }
            }
        }
        self.init(subscription: segments[1], resourceGroup: group, namespace: namespace, types: types, names: names)
    }

    /// `Namespace/type[/childType]`, or `Microsoft.Resources/resourceGroups` / `subscriptions`.
    public var type: String {
        if let namespace { return ([namespace] + types).joined(separator: "/") }
        return resourceGroup == nil ? "Microsoft.Resources/subscriptions" : "Microsoft.Resources/resourceGroups"
    }

    /// The last name: the resource's own, or the group's, or the subscription's.
    public var name: String { names.last ?? resourceGroup ?? subscription }

    /// The id this one is nested in: a child's parent resource, a resource's group, a group's
    /// subscription; nil for a subscription.
    public var parent: ResourceID? {
        if types.count > 1 {
            return ResourceID(subscription: subscription, resourceGroup: resourceGroup, namespace: namespace,
                              types: Array(types.dropLast()), names: Array(names.dropLast()))
        }
        if namespace != nil { return ResourceID(subscription: subscription, resourceGroup: resourceGroup) }
        if resourceGroup != nil { return ResourceID(subscription: subscription) }
        return nil
    }

    /// This id and every scope above it, innermost first (what role assignments inherit through).
    public var scopes: [ResourceID] {
        var result = [self]
        while let next = result.last?.parent { result.append(next) }
        return result
    }

    /// Whether `self` is `other` or nested inside it.
    public func isWithin(_ other: ResourceID) -> Bool {
        scopes.contains { $0.key == other.key }
    }

    /// The id as written: `/subscriptions/…/resourceGroups/…/providers/…`.
    public var description: String {
        var text = "/subscriptions/\(subscription)"
        if let resourceGroup { text += "/resourceGroups/\(resourceGroup)" }
        if let namespace {
            text += "/providers/\(namespace)"
            for (type, name) in zip(types, names) { text += "/\(type)/\(name)" }
        }
        return text
    }

    /// The comparison key: the canonical form as a ``Swift/String/nameKey``.
    public var key: String { description.nameKey }

    public static func == (lhs: ResourceID, rhs: ResourceID) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

extension String {
    /// The key two names compare by, ARM's way (without case) and the same whether the bytes are
    /// compared (the stores) or the text (Swift's `==`, which is canonical equivalence): lower-cased,
    /// then in NFC — lower-casing can leave marks out of canonical order (`İ` → `i` + U+0307).
    public var nameKey: String { lowercased().precomposedStringWithCanonicalMapping }
}
