// kura — a self-hosted encrypted container registry.
// SQLSessionProvider: exclusive SQL sessions over SQLite (one writer) or a PostgreSQL pool.

import Foundation
import Logging
import NIOCore
import NIOPosix
@preconcurrency import AsyncKit
import PostgresKit
import SQLKit
import SQLiteKit

/// Hands out one SQL session at a time per call, so a transaction's statements run on one
/// connection with nothing interleaved. The SQL itself is shared (``SQLMetadataStore``).
protocol SQLSessionProvider: Sendable {
    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func shutdown() async throws
}

/// SQLite: one connection, used by one caller at a time (SQLite has one writer anyway), in WAL
/// mode with `synchronous=FULL` so a committed transaction survives power loss.
final class SQLiteSessionProvider: SQLSessionProvider {
    private let connection: SQLiteConnection
    private let gate = SerialGate()
    private let logger: Logger

    static func open(path: String, logger: Logger) async throws -> SQLiteSessionProvider {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let database = connection.sql()
        try await database.raw("PRAGMA journal_mode=WAL").run()
        try await database.raw("PRAGMA synchronous=FULL").run()
        try await database.raw("PRAGMA foreign_keys=ON").run()
        try await database.raw("PRAGMA busy_timeout=5000").run()
        return SQLiteSessionProvider(connection: connection, logger: logger)
    }

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        await gate.acquire()
        do {
            let result = try await body(connection.sql())
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }

    func shutdown() async throws { try await connection.close() }
}

/// PostgreSQL: a small pool (postgres-kit's AsyncKit pool, which is what gives SQLKit); each
/// session is one pooled connection for the closure's lifetime. A request waits up to
/// `requestTimeout` for a connection: generous, because a busy process (two cores, crypto on every
/// request) serves queued requests late but should not fail them.
final class PostgresSessionProvider: SQLSessionProvider {
    private let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    private let logger: Logger

    init(url: String, logger: Logger, connectionsPerEventLoop: Int = 4, requestTimeout: TimeAmount = .seconds(60)) throws {
        var configuration = try SQLPostgresConfiguration(url: url)
        if !url.contains("tlsmode=") { configuration.coreConfiguration.tls = .disable }
        pool = EventLoopGroupConnectionPool(source: PostgresConnectionSource(sqlConfiguration: configuration),
                                            maxConnectionsPerEventLoop: connectionsPerEventLoop, requestTimeout: requestTimeout,
                                            pruneInterval: .seconds(60),
                                            logger: logger, on: MultiThreadedEventLoopGroup.singleton)
        self.logger = logger
    }

    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await pool.database(logger: logger).sql().withSession(body)
    }

    func shutdown() async throws { try await pool.shutdownAsync() }
}

/// A FIFO async mutex.
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
