// kura — a self-hosted encrypted container registry.
// StoreError: why a store operation failed, shared by every plane's store.

/// Why a store operation failed (the same four outcomes for every plane's store).
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A record with the same unique key exists.
        case conflict
        /// The record to change does not exist.
        case notFound
        /// A compare-and-swap found a different current value.
        case preconditionFailed
        /// The database refused or could not be reached.
        case unavailable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
