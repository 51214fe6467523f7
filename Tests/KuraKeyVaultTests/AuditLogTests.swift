import KuraAPI
import Foundation
import KuraCore
import KuraKeyVault
import KuraStorage
import Testing

/// The hash chain on a real SQLite store: every kind of tampering is pinpointed.
@Suite struct AuditLogTests {
    static func withLog(_ body: (AuditLog, SQLMetadataStore) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "kura-audit-" + UUID().uuidString + ".sqlite"
        let store = try await SQLMetadataStore.sqlite(path: path)
        try await store.migrate()
        do {
            let log = AuditLog(store: store)
            for index in 0..<5 {
                try await log.append(AuditLog.Event(vault: "KV1", callerObjectID: "oid", callerAppID: "app", clientAddress: "127.0.0.1",
                                                    operation: "KeyGet", keyName: "k\(index)", keyVersion: nil, resultCode: 200,
                                                    durationMilliseconds: 1))
            }
            try await log.append(AuditLog.Event(vault: "other", callerObjectID: nil, callerAppID: nil, clientAddress: "::1",
                                                operation: "KeyCreate", keyName: nil, keyVersion: nil, resultCode: 401, durationMilliseconds: 0))
            try await body(log, store)
        } catch {
            try? await store.close()
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        try await store.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test func anIntactChainVerifiesAndChainsPerVault() async throws {
        try await Self.withLog { log, _ in
            let entries = try await log.entries(vault: "kv1")
            #expect(entries.map(\.sequence) == [1, 2, 3, 4, 5])
            let first = try JSONValue(parsing: Array(entries[0].entry.utf8))
            #expect(first["previousHash"]?.stringValue == AuditLog.genesis && first["keyName"] == "k0")
            let second = try JSONValue(parsing: Array(entries[1].entry.utf8))
            #expect(second["previousHash"]?.stringValue == entries[0].hash)
            #expect(try await log.verify(vault: "kv1") == AuditLog.Verification(entries: 5, firstBroken: nil, reason: nil))
            #expect(try await log.verify(vault: "other").entries == 1)
        }
    }

    @Test func anEditedEntryIsNamed() async throws {
        try await Self.withLog { log, store in
            let victim = try await log.entries(vault: "kv1")[2]
            try await store.rewriteAuditEntry(vault: "kv1", sequence: victim.sequence, entry: victim.entry.replacingOccurrences(of: "k2", with: "k9"),
                                              hash: victim.hash)
            let result = try await log.verify(vault: "kv1")
            #expect(result.firstBroken == 3 && result.reason?.contains("hash") == true)
        }
    }

    @Test func anEntryRewrittenWithAFreshHashBreaksTheNextLink() async throws {
        try await Self.withLog { log, store in
            let victim = try await log.entries(vault: "kv1")[1]
            let forged = victim.entry.replacingOccurrences(of: "k1", with: "k7")
            try await store.rewriteAuditEntry(vault: "kv1", sequence: 2, entry: forged, hash: AuditLogTests.sha256(forged))
            #expect(try await log.verify(vault: "kv1").firstBroken == 3)
        }
    }

    @Test func aRemovedEntryIsNamed() async throws {
        try await Self.withLog { log, store in
            try await store.rewriteAuditEntry(vault: "kv1", sequence: 4, entry: nil, hash: nil)
            let result = try await log.verify(vault: "kv1")
            #expect(result.firstBroken == 5 && result.reason?.contains("missing") == true)
        }
    }

    static func sha256(_ text: String) -> String {
        AuditLogTestsSupport.sha256(text)
    }
}
