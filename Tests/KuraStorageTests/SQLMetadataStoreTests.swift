import KuraCore
import KuraRegistry
import KuraStorage
import KuraTestSupport
import Testing

/// What only `SQLMetadataStore` has, on SQLite (a temp file) and PostgreSQL (a scratch database
/// on the server the test command starts; `DATABASE_URL` names it): migrations, a database that
/// outlives the store using it, and several instances sharing one PostgreSQL database. What the
/// planes' stores promise is in the per-plane contract suites (`RegistryStoreContractTests` and
/// the others), which run against the in-memory doubles as well.
@Suite struct SQLMetadataStoreTests {
    typealias Backend = ScratchMetadataStore.Backend
    typealias Scratch = ScratchMetadataStore

    static func withStore(_ backend: Backend, _ body: (SQLMetadataStore, Scratch) async throws -> Void) async throws {
        try await ScratchMetadataStore.with(backend, body)
    }

    static func digest(_ byte: UInt8) -> ContentDigest { RegistryStoreContractTests.digest(byte) }
    static func registry(_ name: String) -> RegistryRecord { RegistryStoreContractTests.registry(name) }

    @Test(arguments: Backend.allCases)
    func migrationsAreIdempotent(_ backend: Backend) async throws {
        try await Self.withStore(backend) { (store: SQLMetadataStore, _: Scratch) async throws in
            #expect(try await store.migrate() == 7)
            #expect(try await store.migrate() == 7)
        }
    }

    @Test func instancesStartingTogetherOnOnePostgreSQLDatabaseMigrateOneAfterAnother() async throws {
        let scratch = try await Scratch.make(.postgres)
        let stores = [try await scratch.open(), try await scratch.open(), try await scratch.open()]
        do {
            let versions = try await withThrowingTaskGroup(of: Int.self) { group in
                for store in stores { group.addTask { try await store.migrate() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(versions == Array(repeating: 7, count: 3))
            let registry = Self.registry("after-concurrent-migrations")
            try await stores[0].insertRegistry(registry)
            #expect(try await stores[2].registry(named: registry.name) != nil, "one schema, shared")
        } catch {
            for store in stores { try? await store.close() }
            await scratch.cleanUp()
            throw error
        }
        for store in stores { try await store.close() }
        await scratch.cleanUp()
    }

    @Test(arguments: Backend.allCases)
    func recordsSurviveReopening(_ backend: Backend) async throws {
        try await Self.withStore(backend) { (store: SQLMetadataStore, scratch: Scratch) async throws in
            let registry = Self.registry("durable")
            try await store.insertRegistry(registry)
            try await store.commitBlob(BlobRecord(registryID: registry.id, digest: Self.digest(1), size: 1, createdAt: 1), repository: "r", place: {})
            let reopened = try await scratch.open()
            #expect(try await reopened.migrate() == 7)
            #expect(try await reopened.registry(named: "durable") == registry)
            #expect(try await reopened.blob(registryID: registry.id, digest: Self.digest(1))?.size == 1)
            try await reopened.close()
        }
    }
}
