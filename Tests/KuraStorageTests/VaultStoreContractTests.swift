import KuraAPI
import KuraCore
import KuraKeyVault
import KuraStorage
import KuraTestSupport
import Testing

/// Vault keys, versions and the audit log. One contract, three implementations: every test runs
/// against `MemoryVaultStore`, and `SQLMetadataStore` on SQLite and on PostgreSQL.
@Suite struct VaultStoreContractTests {
    typealias Store = any VaultStore

    static func withStore(_ backend: StoreBackend, _ body: (Store) async throws -> Void) async throws {
        try await StoreContract.with(backend, memory: { MemoryVaultStore() }, sql: { $0 }, body)
    }

    static func version(_ name: String, _ version: String, at time: Int64) -> VaultKeyVersionRecord {
        VaultKeyVersionRecord(vault: "KV1", name: name, version: version, document: ["kty": "RSA", "n": .integer(time)],
                              sealedPrivateKey: [1, 2, 3, UInt8(time)], createdAt: time)
    }

    @Test(arguments: StoreBackend.allCases)
    func keysGainVersionsAreSoftDeletedAndPurged(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            try await store.addKeyVersion(Self.version("Key1", "v1", at: 1), to: .newOrLiveKey, audit: nil)
            try await store.addKeyVersion(Self.version("key1", "v2", at: 2), to: .liveKey, audit: nil)
            let key = try #require(try await store.vaultKey(vault: "kv1", name: "KEY1"))
            #expect(key.name == "Key1" && key.currentVersion == "v2" && key.deletedAt == nil)
            #expect(try await store.keyVersions(vault: "kv1", name: "key1").map(\.version) == ["v1", "v2"])
            #expect(try await store.keyVersion(vault: "kv1", name: "key1", version: "v1")?.sealedPrivateKey == [1, 2, 3, 1])
            await #expect(throws: StoreError.self) { try await store.addKeyVersion(Self.version("nokey", "v1", at: 3), to: .liveKey, audit: nil) }

            try await store.updateKeyVersion(vault: "kv1", name: "key1", version: "v1", document: ["kty": "RSA", "changed": true], audit: nil)
            #expect(try await store.keyVersion(vault: "kv1", name: "key1", version: "v1")?.document["changed"] == true)

            try await store.setKeyDeleted(vault: "kv1", name: "key1", deletedAt: 10, scheduledPurgeAt: 20, audit: nil)
            #expect(try await store.vaultKeys(vault: "kv1", deleted: false).isEmpty)
            #expect(try await store.vaultKeys(vault: "kv1", deleted: true).map(\.scheduledPurgeAt) == [20])
            await #expect(throws: StoreError.self) { try await store.addKeyVersion(Self.version("key1", "v3", at: 4), to: .newOrLiveKey, audit: nil) }
            await #expect(throws: StoreError.self) { try await store.addKeyVersion(Self.version("key1", "v3", at: 4), to: .liveKey, audit: nil) }
            try await store.setKeyDeleted(vault: "kv1", name: "key1", deletedAt: nil, scheduledPurgeAt: nil, audit: nil)
            #expect(try await store.vaultKeys(vault: "kv1", deleted: false).count == 1)

            #expect(try await store.purgeKey(vault: "kv1", name: "key1", audit: nil))
            #expect(try await store.keyVersions(vault: "kv1", name: "key1").isEmpty)
            try await store.addKeyVersion(Self.version("other", "v1", at: 5), to: .newOrLiveKey, audit: nil)
            try await store.purgeVaultKeys(vault: "KV1")
            #expect(try await store.vaultKeys(vault: "kv1", deleted: false).isEmpty)
        }
    }

    /// Concurrent creates of one new key (Key Vault's create of an existing key is a new version)
    /// all land, as versions of one key: none fails because another made the key first. (Before
    /// the fix, on PostgreSQL, the losers' insert of the key row hit its unique key: a 500.)
    @Test(arguments: StoreBackend.allCases)
    func concurrentCreatesOfOneNewKeyAllLand(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let creates = 8
            try await withThrowingTaskGroup(of: Void.self) { group in
                for number in 1...creates {
                    group.addTask { try await store.addKeyVersion(Self.version("raced", "v\(number)", at: Int64(number)), to: .newOrLiveKey, audit: nil) }
                }
                try await group.waitForAll()
            }
            #expect(Set(try await store.keyVersions(vault: "kv1", name: "raced").map(\.version)) == Set((1...creates).map { "v\($0)" }))
            #expect(try await store.vaultKeys(vault: "kv1", deleted: false).map(\.name) == ["raced"])
        }
    }

    /// Concurrent `.newKey` creates of one name (ARM's PUT): exactly one lands; every other is a
    /// conflict, so the key has one version.
    @Test(arguments: StoreBackend.allCases)
    func concurrentNewKeyOnlyCreatesLandOnce(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let landed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for number in 1...8 {
                    group.addTask {
                        do {
                            try await store.addKeyVersion(Self.version("armkey", "v\(number)", at: Int64(number)), to: .newKey, audit: nil)
                            return true
                        } catch let error as StoreError where error.code == .conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(landed == 1)
            #expect(try await store.keyVersions(vault: "kv1", name: "armkey").count == 1)
        }
    }

    /// A change and its audit entry commit together: an entry that cannot be written undoes the
    /// change (so a client told to retry never makes a second key version), and a change that
    /// fails leaves no entry.
    @Test(arguments: StoreBackend.allCases)
    func aChangeAndItsAuditEntryCommitTogether(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            func entry(_ text: String) -> AuditEntryMaker {
                { previous in AuditRecord(vault: "kv1", sequence: (previous?.sequence ?? 0) + 1, entry: text, hash: text) }
            }
            // An entry whose sequence number is taken cannot be appended (a failing audit write).
            let failing: AuditEntryMaker = { _ in AuditRecord(vault: "kv1", sequence: 1, entry: "duplicate", hash: "x") }
            try await store.addKeyVersion(Self.version("key1", "v1", at: 1), to: .newOrLiveKey, audit: entry("create"))
            #expect(try await store.auditRecords(vault: "kv1", after: 0, limit: 10).map(\.entry) == ["create"])

            await #expect(throws: StoreError.self) {
                try await store.addKeyVersion(Self.version("key1", "v2", at: 2), to: .liveKey, audit: failing)
            }
            #expect(try await store.keyVersions(vault: "kv1", name: "key1").map(\.version) == ["v1"], "no version without its entry")
            #expect(try await store.vaultKey(vault: "kv1", name: "key1")?.currentVersion == "v1")
            await #expect(throws: StoreError.self) {
                try await store.updateKeyVersion(vault: "kv1", name: "key1", version: "v1", document: ["kty": "RSA", "changed": true], audit: failing)
            }
            #expect(try await store.keyVersion(vault: "kv1", name: "key1", version: "v1")?.document["changed"] == nil)
            await #expect(throws: StoreError.self) {
                try await store.setKeyDeleted(vault: "kv1", name: "key1", deletedAt: 10, scheduledPurgeAt: 20, audit: failing)
            }
            #expect(try await store.vaultKey(vault: "kv1", name: "key1")?.deletedAt == nil)

            await #expect(throws: StoreError.self) {
                try await store.addKeyVersion(Self.version("nokey", "v1", at: 3), to: .liveKey, audit: entry("never"))
            }
            try await store.setKeyDeleted(vault: "kv1", name: "key1", deletedAt: 10, scheduledPurgeAt: 20, audit: entry("delete"))
            #expect(try await store.purgeKey(vault: "kv1", name: "key1", audit: entry("purge")))
            #expect(try await store.auditRecords(vault: "kv1", after: 0, limit: 10).map(\.entry) == ["create", "delete", "purge"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func auditEntriesChainInOrderUnderConcurrency(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        _ = try await store.appendAudit(vault: "kv1") { previous in
                            let sequence = (previous?.sequence ?? 0) + 1
                            return AuditRecord(vault: "kv1", sequence: sequence, entry: "after \(previous?.hash ?? "-")", hash: "h\(sequence)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let records = try await store.auditRecords(vault: "kv1", after: 0, limit: 100)
            #expect(records.map(\.sequence) == Array(1...20))
            #expect(zip(records.dropFirst(), records).allSatisfy { $0.entry == "after \($1.hash)" }, "each entry saw its predecessor")
            #expect(try await store.auditRecords(vault: "kv1", after: 18, limit: 100).count == 2)
        }
    }
}
