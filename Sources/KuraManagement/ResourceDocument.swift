// kura — a self-hosted encrypted container registry.
// ResourceDocument: the fields every tracked ARM resource carries.

public import KuraAPI
import Foundation
public import KuraCore

/// Builds and reads the common part of ARM documents: `id`, `name`, `type`, `location`,
/// `tags`, `systemData`.
public enum ResourceDocument {
    /// The common fields for a PUT of `id`: location and tags from `body` (location defaulting to
    /// the existing one, then `defaultLocation`), systemData kept from `existing` and updated.
    /// - Throws: ``ManagementError`` `InvalidParameter` for a non-string location or non-string tags,
    ///   `LocationNotAvailableForResourceType`-style `InvalidParameter` when the location changes.
    public static func base(_ id: ResourceID, body: JSONValue, existing: ResourceRecord?, defaultLocation: String,
                            caller: ManagementCaller, now: Int64) throws -> JSONValue {
        let location: String
        switch body.member(caseInsensitive: "location") {
        case .string(let given)?: location = given
        case nil, .null?: location = existing?.document["location"]?.stringValue ?? defaultLocation
        default: throw ManagementError.invalidParameter("The 'location' of '\(id.name)' must be a string.")
        }
        if let existingLocation = existing?.document["location"]?.stringValue,
           normalized(existingLocation) != normalized(location) {
            throw ManagementError(status: 400, code: "InvalidResourceLocation",
                                  "The resource '\(id.name)' already exists in location '\(existingLocation)'. A resource with the same name cannot be created in location '\(location)'.")
        }
        let tags = try self.tags(body, existing: existing)
        let created = existing?.document["systemData"] ?? .object([
            "createdBy": .string(caller.objectID), "createdByType": "Application",
            "createdAt": .string(Timestamp.iso8601(now)),
        ])
        var systemData = created
        systemData["lastModifiedBy"] = .string(caller.objectID)
        systemData["lastModifiedByType"] = "Application"
        systemData["lastModifiedAt"] = .string(Timestamp.iso8601(now))
        return .object([
            "id": .string(existing?.id.description ?? id.description), "name": .string(existing?.id.name ?? id.name),
            "type": .string(id.type), "location": .string(location), "tags": tags, "systemData": systemData,
        ])
    }

    /// `tags` from the body (an object of strings), else the existing ones, else `{}`.
    static func tags(_ body: JSONValue, existing: ResourceRecord?) throws -> JSONValue {
        switch body.member(caseInsensitive: "tags") {
        case nil, .null?: return existing?.document["tags"] ?? .object([:])
        case .object(let members)?:
            guard members.values.allSatisfy({ $0.stringValue != nil }), members.count <= 50 else {
                throw ManagementError.invalidParameter("Tags must be at most 50 string values.")
            }
            return .object(members)
        default: throw ManagementError.invalidParameter("'tags' must be an object of strings.")
        }
    }

    /// Location names compare without case and spaces (`East US` = `eastus`).
    static func normalized(_ location: String) -> String {
        location.lowercased().filter { $0 != " " }
    }
}
