// kura — a self-hosted encrypted container registry.
// PrincipalPicker: finding a principal by name for an access policy or a role assignment.

import Foundation
import KuraDirectory

/// The principal pickers' search. Graph lists and looks up the directory for Owners of the
/// subscription only; the picker follows the same rule: an Owner finds principals by any part of
/// their name, sign-in name, application id or object id; anyone else may only name an object id
/// (what an access policy or role assignment names anyway), offered as typed and never looked
/// up, so the picker tells them nothing about the directory.
enum PrincipalPicker {
    /// Matches shown at most.
    static let limit = 50

    /// The picker's rows for `search` (`selected` marks the chosen one).
    static func rows(_ search: String, request: PortalRequest, selected: String?) async throws -> [[String: Any]] {
        let search = search.trimmingCharacters(in: .whitespaces)
        guard !search.isEmpty else { return [] }
        guard try await request.services.isOwner(request.session.objectID) else {
            guard UUID(uuidString: search) != nil else { return [] }
            let objectID = search.lowercased()
            return [["objectId": objectID, "name": objectID, "kind": "Object id", "detail": "not looked up: listing the directory needs Owner",
                     "selected": objectID == selected]]
        }
        var found: [[String: Any]] = []
        for principal in try await request.services.directory.principals()
        where [principal.displayName, principal.userPrincipalName ?? "", principal.appID, principal.objectID]
            .contains(where: { $0.localizedCaseInsensitiveContains(search) }) {
            found.append(["objectId": principal.objectID, "name": principal.displayName, "kind": kindName(principal),
                          "detail": principal.userPrincipalName ?? principal.appID, "selected": principal.objectID == selected])
            if found.count == limit { break }
        }
        return found
    }

    static func kindName(_ principal: PrincipalRecord) -> String {
        switch principal.kind {
        case .managedIdentity: "Managed identity"
        case .servicePrincipal: "Application"
        case .user: "User"
        }
    }
}
