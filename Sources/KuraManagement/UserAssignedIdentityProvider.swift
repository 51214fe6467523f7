// kura — a self-hosted encrypted container registry.
// UserAssignedIdentityProvider: Microsoft.ManagedIdentity/userAssignedIdentities.

public import KuraAPI
import Foundation
public import KuraCore
public import KuraDirectory

/// User-assigned managed identities. Each is a directory principal (kind `managedIdentity`):
/// `clientId` is its app id and `principalId` its object id; both stay the same when the
/// identity is PUT again, and the principal goes when the resource is deleted.
public struct UserAssignedIdentityProvider: ResourceProvider {
    public static let type = "Microsoft.ManagedIdentity/userAssignedIdentities"
    public var resourceType: String { Self.type }
    public var wireModel: any Codable.Type { UserAssignedIdentity.self }
    let environment: ManagementEnvironment
    /// Where each identity is a principal (so it can get tokens).
    let directory: DirectoryService

    public init(environment: ManagementEnvironment, directory: DirectoryService) {
        self.environment = environment
        self.directory = directory
    }

    /// The principal (object id) of the identity resource `id`, if it exists: how the login plane
    /// resolves `mi_res_id`.
    public static func principalID(of id: ResourceID, in store: any ManagementStore) async throws -> String? {
        try await store.resource(id: id)?.document["properties"]?["principalId"]?.stringValue
    }

    /// Identity names as Azure allows them: 3–128 of letters, digits, `-` and `_`, starting with a
    /// letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        (3...128).contains(name.count) && (name.first?.isLetter == true || name.first?.isNumber == true)
            && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
    }

    public func prepare(_ id: ResourceID, body: JSONValue, base: JSONValue, existing: ResourceRecord?,
                        caller: ManagementCaller) async throws -> JSONValue {
        guard Self.isValidName(id.name) else {
            throw ManagementError(status: 400, code: "InvalidResourceName",
                                  "Resource name '\(id.name)' is invalid. Names are 3-128 letters, digits, '-' and '_', starting with a letter or digit.")
        }
        var document = base
        let kept = existing?.document["properties"]
        document["properties"] = .object([
            "tenantId": .string(environment.tenantID),
            "principalId": kept?["principalId"] ?? .string(UUID().uuidString.lowercased()),
            "clientId": kept?["clientId"] ?? .string(UUID().uuidString.lowercased()),
            "isolationScope": "None",
        ])
        return document
    }

    public func didStore(_ record: ResourceRecord, existing: ResourceRecord?) async throws -> JSONValue? {
        guard let principalID = record.document["properties"]?["principalId"]?.stringValue,
              let clientID = record.document["properties"]?["clientId"]?.stringValue,
              try await directory.principal(objectID: principalID) == nil else { return nil }
        try await directory.add(PrincipalRecord(objectID: principalID, appID: clientID, displayName: record.id.name,
                                                           kind: .managedIdentity, secretHash: nil, createdAt: record.createdAt))
        return nil
    }

    public func willDelete(_ record: ResourceRecord) async throws {
        if let principalID = record.document["properties"]?["principalId"]?.stringValue {
            try await directory.removePrincipal(objectID: principalID)
        }
    }
}
