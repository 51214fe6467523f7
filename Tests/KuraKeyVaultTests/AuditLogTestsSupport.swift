import Crypto
import Foundation
@testable import KuraStorage
import SQLKit

enum AuditLogTestsSupport {
    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension SQLMetadataStore {
    /// Tampers with a stored audit entry as an attacker with database access would: replaces its
    /// text and hash, or (both nil) deletes it.
    func rewriteAuditEntry(vault: String, sequence: Int64, entry: String?, hash: String?) async throws {
        try await session { database in
            if let entry, let hash {
                try await database.update("vault_audit").set("entry", to: SQLBind(entry)).set("hash", to: SQLBind(hash))
                    .where("vault", .equal, SQLBind(vault)).where("sequence", .equal, SQLBind(sequence)).run()
            } else {
                try await database.delete(from: "vault_audit").where("vault", .equal, SQLBind(vault))
                    .where("sequence", .equal, SQLBind(sequence)).run()
            }
        }
    }
}
