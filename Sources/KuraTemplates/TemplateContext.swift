// kura — a self-hosted encrypted container registry.
// TemplateContext: where a template is deployed — what `subscription()`, `resourceGroup()` and `reference()` answer.

public import KuraAPI

/// The deployment's surroundings: its subscription, tenant and resource group, and how a
/// referenced resource is read (the management plane answers: a resource this deployment already
/// applied, or one that exists).
public struct TemplateContext: Sendable {
    public var subscriptionID: String
    public var tenantID: String
    public var resourceGroup: String
    public var location: String
    /// `reference(resourceId, apiVersion, full)`: the resource's `properties`, or with `full` its
    /// whole document.
    /// - Throws: ``TemplateError`` when there is no such resource.
    public var reference: @Sendable (_ resourceID: String, _ apiVersion: String?, _ full: Bool) async throws(TemplateError) -> JSONValue

    public init(subscriptionID: String, tenantID: String, resourceGroup: String, location: String,
                reference: @escaping @Sendable (String, String?, Bool) async throws(TemplateError) -> JSONValue) {
        self.subscriptionID = subscriptionID
        self.tenantID = tenantID
        self.resourceGroup = resourceGroup
        self.location = location
        self.reference = reference
    }

    /// What `subscription()` returns.
    var subscription: JSONValue {
        ["id": .string("/subscriptions/\(subscriptionID)"), "subscriptionId": .string(subscriptionID), "tenantId": .string(tenantID),
         "displayName": "kura"]
    }

    /// What `resourceGroup()` returns.
    var group: JSONValue {
        ["id": .string("/subscriptions/\(subscriptionID)/resourceGroups/\(resourceGroup)"), "name": .string(resourceGroup),
         "type": "Microsoft.Resources/resourceGroups", "location": .string(location), "properties": ["provisioningState": "Succeeded"]]
    }
}
