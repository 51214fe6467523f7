// kura — a self-hosted encrypted container registry.
// ScratchMetadataStore: a metadata store on a fresh database, SQLite or PostgreSQL, for tests.

import Foundation
public import KuraStorage

/// A store on a fresh, empty database, plus a way to reopen the same database. Every test that
/// takes a ``Backend`` runs against SQLite (a temp file) and PostgreSQL (a scratch database on
/// the server at `DATABASE_URL`, which the test command starts). Contract tests that also run
/// against the in-memory doubles take a ``StoreBackend`` instead (``StoreContract``); tests of
/// what only the SQL store has (migrations, reopening, several instances on one database) take this.
public struct ScratchMetadataStore: Sendable {
    public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
        case sqlite, postgres
        public var description: String { rawValue }
    }

    public let open: @Sendable () async throws -> SQLMetadataStore
    public let cleanUp: @Sendable () async -> Void

    public static func make(_ backend: Backend) async throws -> ScratchMetadataStore {
        switch backend {
        case .sqlite:
            let path = NSTemporaryDirectory() + "kura-scratch-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return ScratchMetadataStore(open: { try await SQLMetadataStore.sqlite(path: path + "/metadata.sqlite") },
                                        cleanUp: { try? FileManager.default.removeItem(atPath: path) })
        case .postgres:
            let database = try ScratchPostgresDatabase()
            return ScratchMetadataStore(open: { try SQLMetadataStore.postgres(url: database.url) }, cleanUp: { database.drop() })
        }
    }

    /// Runs `body` with a migrated store on a fresh database, then closes and drops it.
    public static func with(_ backend: Backend, _ body: (SQLMetadataStore, ScratchMetadataStore) async throws -> Void) async throws {
        let scratch = try await make(backend)
        let store = try await scratch.open()
        do {
            try await store.migrate()
            try await body(store, scratch)
            try await store.close()
        } catch {
            try? await store.close()
            await scratch.cleanUp()
            throw error
        }
        await scratch.cleanUp()
    }
}

/// A database of its own on the PostgreSQL server at `DATABASE_URL`, dropped afterwards.
/// There is no fallback: without `DATABASE_URL` every PostgreSQL run of the contract fails.
struct ScratchPostgresDatabase: Sendable {
    let url: String
    private let adminURL: String
    private let name: String

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        guard let base = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw Unavailable(description: "DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
        }
        name = "kura_contract_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        adminURL = base
        guard let slash = base.lastIndex(of: "/") else { throw Unavailable(description: "DATABASE_URL has no database name") }
        url = base[..<slash] + "/" + name
        try Self.psql(base, "CREATE DATABASE \(name)")
    }

    func drop() { try? Self.psql(adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    private static func psql(_ url: String, _ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url + "?sslmode=disable", "-c", statement]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Unavailable(description: "psql \(statement): \(message)")
        }
    }
}
