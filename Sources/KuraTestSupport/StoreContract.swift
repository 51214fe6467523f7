// kura — a self-hosted encrypted container registry.
// StoreContract: one contract, three implementations — the in-memory double, SQLite, PostgreSQL.

public import KuraStorage

/// Where a contract test's store lives: the plane's in-memory double (`MemoryDirectoryStore`,
/// `MemoryRegistryStore`, `MemoryVaultStore`, `MemoryManagementStore`), or `SQLMetadataStore` on
/// a fresh SQLite or PostgreSQL database. The per-plane contract suites in `Tests/KuraStorageTests`
/// take every case, so a double cannot drift from the store it stands in for.
public enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory, sqlite, postgres

    public var description: String { rawValue }

    /// The database this backend runs on, or nil for the in-memory double.
    public var database: ScratchMetadataStore.Backend? {
        switch self {
        case .memory: nil
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}

/// Runs a contract test against the store a ``StoreBackend`` names.
public enum StoreContract {
    /// Runs `body` with a fresh store of `backend`: the in-memory double `memory()` makes, or a
    /// migrated `SQLMetadataStore` on a fresh SQLite/PostgreSQL database (closed and dropped
    /// afterwards), handed over as `sql(store)` — typically the plane's protocol, `{ $0 }`.
    public static func with<Store: Sendable>(_ backend: StoreBackend, memory: @Sendable () -> Store,
                                            sql: @Sendable (SQLMetadataStore) -> Store,
                                            _ body: (Store) async throws -> Void) async throws {
        guard let database = backend.database else {
            try await body(memory())
            return
        }
        try await ScratchMetadataStore.with(database) { store, _ in try await body(sql(store)) }
    }
}
