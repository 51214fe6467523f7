// kura — a self-hosted encrypted container registry.
// StoreError: why a store operation failed — the metadata stores' and the blob stores' codes.

/// A failure with a code from a small table and a message: the shape of every store's error.
/// `Equatable` compares code and message.
public struct CodedFailure<Code: Sendable & Equatable>: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Why a metadata store operation failed (the same four outcomes for every plane's store).
public typealias StoreError = CodedFailure<StoreFailureCode>

/// The outcomes of ``StoreError``.
public enum StoreFailureCode: Sendable, Equatable {
    /// A record with the same unique key exists.
    case conflict
    /// The record to change does not exist.
    case notFound
    /// A compare-and-swap found a different current value.
    case preconditionFailed
    /// The database refused or could not be reached.
    case unavailable
}
