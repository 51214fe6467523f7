// kura — a self-hosted encrypted container registry.
// PrincipalPicker: finding a principal by name for an access policy or a role assignment.

import Foundation
import KuraDirectory

/// The principal pickers' search. Graph lists the directory, and looks principals up by name, for
/// Owners of the subscription only; the picker follows the same rule: an Owner finds principals
/// by any part of their name, sign-in name, application id or object id; anyone else only by an
/// exact object id (what an access policy or role assignment names anyway), so the picker tells
/// no one whether a name exists.
enum PrincipalPicker {
    /// Matches shown at most.
    static let limit = 50

    static func matches(_ search: String, request: PortalRequest) async throws -> [PrincipalRecord] {
        let search = search.trimmingCharacters(in: .whitespaces)
        guard !search.isEmpty else { return [] }
        guard try await request.services.isOwner(request.session.objectID) else {
            return try await request.services.directory.principal(objectID: search.lowercased()).map { [$0] } ?? []
        }
        var found: [PrincipalRecord] = []
        for principal in try await request.services.directory.principals()
        where [principal.displayName, principal.userPrincipalName ?? "", principal.appID, principal.objectID]
            .contains(where: { $0.localizedCaseInsensitiveContains(search) }) {
            found.append(principal)
            if found.count == limit { break }
        }
        return found
    }

    /// A principal as a picker row (`selected` marks the chosen one).
    static func row(_ principal: PrincipalRecord, selected: String?) -> [String: Any] {
        ["objectId": principal.objectID, "name": principal.displayName, "kind": kindName(principal),
         "detail": principal.userPrincipalName ?? principal.appID, "selected": principal.objectID == selected]
    }

    static func kindName(_ principal: PrincipalRecord) -> String {
        switch principal.kind {
        case .managedIdentity: "Managed identity"
        case .servicePrincipal: "Application"
        case .user: "User"
        }
    }
}
