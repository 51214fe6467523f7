// kura — a self-hosted encrypted container registry.
// ResourceGroupService: resource groups — create, read, list, delete with everything in them.

public import KuraAPI
import Foundation
public import KuraCore

/// `Microsoft.Resources/resourceGroups`. A group is stored as a resource of that type; deleting
/// it deletes every resource in it through that resource's provider (so a vault goes to the
/// deleted vaults and a registry's data is erased).
public struct ResourceGroupService: Sendable {
    public static let type = "Microsoft.Resources/resourceGroups"
    let store: any ManagementStore
    let environment: ManagementEnvironment

    public init(store: any ManagementStore, environment: ManagementEnvironment) {
        self.store = store
        self.environment = environment
    }

    /// Resource group names as ARM allows them (`^[-\w._()]+$`, 1–90 long, not ending in `.`), with
    /// .NET's meanings: a length in UTF-16 code units, `\w` a letter, nonspacing mark, decimal digit
    /// or connector. Judged scalar by scalar: a joiner or any other format character hides inside
    /// a "character" but is none of these.
    public static func isValidName(_ name: String) -> Bool {
        (1...90).contains(name.utf16.count) && !name.hasSuffix(".") && name.unicodeScalars.allSatisfy(isNameScalar)
    }

    /// A scalar of `[-\w._()]` as .NET reads it.
    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark, .decimalNumber,
             .connectorPunctuation:
            true
        default:
            "-.()".unicodeScalars.contains(scalar)
        }
    }

    /// Creates or updates a group (location cannot change).
    public func put(_ id: ResourceID, body: JSONValue, caller: ManagementCaller) async throws -> (JSONValue, created: Bool) {
        guard let name = id.resourceGroup, Self.isValidName(name) else {
            throw ManagementError(status: 400, code: "InvalidResourceGroup",
                                  "The provided resource group name '\(id.name)' has these invalid characters or length; names are 1-90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.")
        }
        let existing = try await store.resource(id: id)
        guard body.member(caseInsensitive: "location")?.stringValue != nil || existing != nil else {
            throw ManagementError(status: 400, code: "LocationRequired", "The location property is required for this definition.")
        }
        let now = environment.now()
        var document = try ResourceDocument.base(id, body: body, existing: existing, defaultLocation: environment.defaultLocation,
                                                 caller: caller, now: now)
        document["properties"] = ["provisioningState": "Succeeded"]
        if let managedBy = body.member(caseInsensitive: "managedBy")?.stringValue { document["managedBy"] = .string(managedBy) }
        let record = ResourceRecord(id: existing?.id ?? id, document: document, createdAt: existing?.createdAt ?? now, updatedAt: now)
        try await store.putResource(record)
        return (document, existing == nil)
    }

    /// PATCH: tags (and managedBy) merge into the group.
    public func patch(_ id: ResourceID, body: JSONValue, caller: ManagementCaller) async throws -> JSONValue {
        let existing = try await require(id)
        return try await put(existing.id, body: existing.document.merging(body), caller: caller).0
    }

    /// The stored group.
    /// - Throws: ``ManagementError`` `ResourceGroupNotFound`.
    public func require(_ id: ResourceID) async throws -> ResourceRecord {
        guard let group = try await store.resource(id: ResourceID(subscription: id.subscription, resourceGroup: id.resourceGroup)) else {
            throw ManagementError.resourceGroupNotFound(id.resourceGroup ?? id.name)
        }
        return group
    }

    /// Every group of the subscription, by name.
    public func list() async throws -> [ResourceRecord] {
        try await store.resources(type: Self.type, subscription: environment.subscriptionID, resourceGroup: nil)
    }

    /// The resources inside a group (not the group itself).
    public func contents(of id: ResourceID) async throws -> [ResourceRecord] {
        try await store.resources(type: nil, subscription: id.subscription, resourceGroup: id.resourceGroup)
            .filter { $0.id.type.lowercased() != Self.type.lowercased() }
    }
}
