// kura — a self-hosted encrypted container registry.
// AuditRoutes: a vault's audit log on the main host — list and verify (Owner only).

import KuraAPI
package import KuraDirectoryHTTP
package import KuraHTTP
import Foundation
package import Hummingbird
import KuraCore
package import KuraKeyVault
import NIOCore

/// `GET /kura/v1/vaults/{vault}/auditLog[?since=<Unix ms>]` lists a vault's audit entries;
/// `GET /kura/v1/vaults/{vault}/auditLog/verify` recomputes the hash chain and names the first
/// broken entry. Both need a management token of an Owner of the subscription (what
/// `kura keyvault audit list/verify` will call).
package struct AuditRoutes {
    package let audit: AuditLog
    package let vaults: any VaultDirectory
    package let login: LoginRoutes

    package init(audit: AuditLog, vaults: any VaultDirectory, login: LoginRoutes) {
        self.audit = audit
        self.vaults = vaults
        self.login = login
    }

    package func add(to router: Router<KuraRequestContext>) {
        router.get("/kura/v1/vaults/:vault/auditLog") { request, context in
            let vault = try await requireVault(request, context)
            let since = request.uri.queryParameters["since"].flatMap { Int64(String($0)) }
            let entries = try await audit.entries(vault: vault, since: since).map { record -> JSONValue in
                var entry = (try? JSONValue(parsing: Array(record.entry.utf8))) ?? ["unreadable": .string(record.entry)]
                entry["hash"] = .string(record.hash)
                return entry
            }
            return json(ARMList(value: entries))
        }
        router.get("/kura/v1/vaults/:vault/auditLog/verify") { request, context in
            let vault = try await requireVault(request, context)
            let result = try await audit.verify(vault: vault)
            return json(AuditVerification.of(vault: vault, entries: result.entries, intact: result.isIntact,
                                             firstBrokenSequence: result.firstBroken, reason: result.reason))
        }
    }

    package func requireVault(_ request: Request, _ context: KuraRequestContext) async throws -> String {
        try await login.requireOwner(request)
        let name = try context.parameters.require("vault").lowercased()
        guard try await vaults.vaultExists(named: name) else {
            throw AzureError(status: .notFound, code: "VaultNotFound", message: "No vault named '\(name)' exists in this installation.")
        }
        return name
    }

}
