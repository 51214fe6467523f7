// kura — a self-hosted encrypted container registry.
// AuditPages: a vault's key-usage log — filterable by key and caller — and its chain's verification.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry

/// The seed's "audit key usage": every key operation of the vault, newest first, with who made
/// it, from where and with what result; and whether the log's hash chain is intact. Readable by
/// those the audit API allows (Owners of the subscription).
enum AuditPages {
    static var routes: [PortalRoute] { [.get("/portal/groups/:group/vaults/:vault/audit", audit)] }

    /// Entries shown at most (the newest).
    static let shown = 500

    @Sendable static func audit(_ request: PortalRequest) async throws -> Response {
        let (group, vault) = (try request.parameter("group"), try request.parameter("vault"))
        // The vault must exist and be visible to the user, as its other pages.
        try await request.arm("GET", request.resourcePath(group, ResourceTypes.vault, vault), apiVersion: APIVersions.vaults)
        guard try await request.services.isOwner(request.session.objectID) else {
            throw PortalFailure(403, "The audit log of a vault is readable by Owners of the subscription only.")
        }
        let key = request.field("key"), caller = request.field("caller")
        var names: [String: String] = [:]
        func callerName(_ objectID: String) async throws -> String {
            if let known = names[objectID] { return known }
            let name = try await request.services.directory.principal(objectID: objectID)?.displayName ?? objectID
            names[objectID] = name
            return name
        }
        var rows: [[String: Any]] = []
        // Read once: listed, and verified.
        let records = try await request.services.audit.entries(vault: vault.lowercased())
        for record in records.reversed() {
            guard let entry = try? JSONValue(parsing: Array(record.entry.utf8)) else { continue }
            let keyName = entry["keyName"]?.stringValue ?? ""
            let objectID = entry["callerObjectId"]?.stringValue ?? ""
            let name = objectID.isEmpty ? "" : try await callerName(objectID)
            guard key.isEmpty || keyName.localizedCaseInsensitiveContains(key) else { continue }
            guard caller.isEmpty || [objectID, name, entry["callerAppId"]?.stringValue ?? ""].contains(where: { $0.localizedCaseInsensitiveContains(caller) })
            else { continue }
            let code = entry["resultCode"]?.integerValue ?? 0
            rows.append(["sequence": record.sequence, "time": Timestamp.iso8601(entry["time"]?.integerValue ?? 0),
                         "operation": entry["operation"]?.stringValue ?? "", "key": keyName, "version": entry["keyVersion"]?.stringValue ?? "",
                         "caller": name, "callerId": objectID, "address": entry["clientAddress"]?.stringValue ?? "",
                         "result": code, "failed": code >= 400])
            if rows.count == shown { break }
        }
        let verification = AuditLog.verify(records)
        return request.render("audit", title: "\(vault) | Audit", crumbs: VaultPages.crumbs(group, vault, "Audit"), [
            "vault": vault, "menu": VaultPages.menu(group, vault, current: "Audit"), "entries": rows, "key": key, "caller": caller,
            "intact": verification.isIntact, "count": verification.entries,
            "broken": verification.firstBroken.map { "Entry \($0): \(verification.reason ?? "")" } ?? "",
        ])
    }
}
