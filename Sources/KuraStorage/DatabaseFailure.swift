// kura — a self-hosted encrypted container registry.
// DatabaseFailure: driver errors that mean "the database cannot serve now", as StoreError.unavailable.

@preconcurrency import AsyncKit
import KuraCore
import NIOCore
import PostgresNIO
import SQLiteNIO

/// Maps a database driver's failure to reach or use its database to `StoreError.unavailable`
/// (which every plane answers with 503 in its own envelope); any other error is returned as it
/// is. The planes never see a driver's types.
enum DatabaseFailure {
    static func mapped(_ error: any Error) -> any Error {
        switch error {
        case is StoreError:
            return error
        case let error as PSQLError:
            if [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
                .sslUnsupported, .failedToAddSSLHandler, .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError]
                .contains(error.code) {
                return StoreError(.unavailable, "the metadata database is unreachable (\(error.code))")
            }
            // SQLSTATE class 08 (connection exception; not 08P01, a protocol violation: our bug),
            // 53 (insufficient resources), 57P (operator intervention).
            let state = error.serverInfo?[.sqlState] ?? ""
            if (state.hasPrefix("08") && state != "08P01") || state.hasPrefix("53") || state.hasPrefix("57P") {
                return StoreError(.unavailable, "the metadata database refused the operation (SQLSTATE \(state))")
            }
            return error
        case is ConnectionPoolError, is ConnectionPoolTimeoutError:
            return StoreError(.unavailable, "the metadata database is unreachable (\(error))")
        case is IOError, is ChannelError:
            return StoreError(.unavailable, "the metadata database is unreachable (\(error))")
        case let error as SQLiteError:
            switch error.reason {
            case .busy, .locked, .ioError, .full, .cantOpen, .readOnly, .corrupt, .notADatabase, .noMemory:
                return StoreError(.unavailable, "the metadata database cannot serve: \(error.message)")
            default:
                return error
            }
        default:
            return error
        }
    }
}
