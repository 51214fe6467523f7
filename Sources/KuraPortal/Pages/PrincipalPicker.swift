// kura — a self-hosted encrypted container registry.
// PrincipalPicker: finding a principal by name for an access policy or a role assignment.

import Foundation
import KuraDirectory

/// The principal pickers' search. Graph lists the directory to Owners of the subscription only;
/// the picker follows the same rule: an Owner finds principals by any part of their name, sign-in
/// name, application id or object id, anyone else only by an exact sign-in name, application id
/// or object id (what they already know), so the picker lists no one a caller may not look up.
enum PrincipalPicker {
    /// Matches shown at most.
    static let limit = 50

    static func matches(_ search: String, request: PortalRequest) async throws -> [PrincipalRecord] {
        let search = search.trimmingCharacters(in: .whitespaces)
        guard !search.isEmpty else { return [] }
        let browses = try await request.services.isOwner(request.session.objectID)
        var found: [PrincipalRecord] = []
        for principal in try await request.services.directory.principals() {
            let names = [principal.userPrincipalName ?? "", principal.appID, principal.objectID]
            let matched = browses
                ? (names + [principal.displayName]).contains { $0.localizedCaseInsensitiveContains(search) }
                : names.contains { !$0.isEmpty && $0.caseInsensitiveCompare(search) == .orderedSame }
            if matched { found.append(principal) }
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
