// kura — a self-hosted encrypted container registry.
// BlobStore: where stored objects live (filesystem now, S3 later).

public import KuraCore
public import NIOCore

/// A relative, slash-separated object path such as `registries/<id>/blobs/sha256/ab/<hex>`.
///
/// Invariant: segments are non-empty, made of `[A-Za-z0-9._-]`, never `.` or `..`, and the first
/// segment does not start with `_` (reserved for the store's own bookkeeping, e.g. `_tmp`). A
/// path can therefore never escape the store's root.
public struct BlobPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ rawValue: String) {
        let segments = rawValue.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty, !segments[0].hasPrefix("_") else { return nil }
        for segment in segments {
            guard !segment.isEmpty, segment != ".", segment != "..",
                  segment.utf8.allSatisfy({ $0.isPathSafe })
            else { return nil }
        }
        self.rawValue = rawValue
    }

    /// Joins validated segments.
    /// - Precondition: each segment is valid on its own.
    public init(_ segments: String...) {
        self.init(segments.joined(separator: "/"))!
    }

    public var description: String { rawValue }
    public static func < (lhs: BlobPath, rhs: BlobPath) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension UInt8 {
    fileprivate var isPathSafe: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5a) || (self >= 0x61 && self <= 0x7a)
            || self == 0x2e || self == 0x5f || self == 0x2d
    }
}

/// Why a blob store operation failed.
public typealias BlobStoreError = CodedFailure<BlobStoreFailureCode>

/// The outcomes of ``BlobStoreError``.
public enum BlobStoreFailureCode: Sendable, Equatable {
    /// No object at the path.
    case notFound
    /// The requested range lies outside the object.
    case invalidRange
    /// The operating system or the backend refused (disk full, permissions...).
    case io
}

/// Byte storage for stored objects: a deliberately small driver in the manner of distribution's
/// `StorageDriver` and zot's `Driver`, so that an S3 implementation maps one call to one or two
/// requests. It knows nothing of encryption or digests; ``EncryptedBlobStore`` adds those.
///
/// Contract:
/// - `put` is atomic: a reader sees the whole new object or the old state, never a part; a failed
///   or cancelled `put` leaves nothing behind. Once `put` returns, the object is durable.
/// - `read` streams with backpressure and reads only the range asked for.
/// - `move` replaces the destination atomically.
public protocol BlobStore: Sendable {
    /// Stores everything `body` yields at `path`, replacing any object there.
    /// - Returns: the number of bytes stored.
    func put<Body: AsyncSequence>(_ path: BlobPath, body: Body) async throws -> Int64 where Body.Element == ByteBuffer

    /// Streams `range` of the object (the whole object when nil).
    /// - Throws: ``BlobStoreError`` `.notFound`, `.invalidRange` (before any byte is produced).
    func read(_ path: BlobPath, range: Range<Int64>?) async throws -> ByteStream

    /// The object's size in bytes.
    /// - Throws: ``BlobStoreError`` `.notFound`.
    func size(of path: BlobPath) async throws -> Int64

    /// Moves an object, replacing the destination.
    func move(_ source: BlobPath, to destination: BlobPath) async throws

    /// Deletes an object; deleting a missing object is not an error.
    func delete(_ path: BlobPath) async throws

    /// Every object path that starts with `prefix` + "/" (or equals it), in ascending order.
    func list(prefix: BlobPath) async throws -> [BlobPath]
}
