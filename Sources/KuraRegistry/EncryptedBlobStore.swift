// kura — a self-hosted encrypted container registry.
// EncryptedBlobStore: the storage engine — content-addressed, KBF1-encrypted objects per registry.

import Foundation
public import KuraCore
public import KuraCrypto
public import NIOCore

/// A blob as stored: what it is and how many plaintext bytes it holds.
public struct StoredBlob: Sendable, Equatable {
    public let digest: ContentDigest
    public let size: Int64

    public init(digest: ContentDigest, size: Int64) {
        self.digest = digest
        self.size = size
    }
}

/// An encrypted object written but not yet at its content address (see ``EncryptedBlobStore/stage(_:dataKey:expectedDigest:)``).
public struct StagedBlob: Sendable {
    /// Where the object is now: a staging object, or an upload part.
    public let path: BlobPath
    public let registryID: String
    public let blob: StoredBlob

    public init(path: BlobPath, registryID: String, blob: StoredBlob) {
        self.path = path
        self.registryID = registryID
        self.blob = blob
    }
}

/// A blob whose header and trailer have been authenticated, ready for (ranged) reads.
public struct OpenedBlob: Sendable {
    public let digest: ContentDigest
    let path: BlobPath
    let opener: KBF1Opener
    /// Plaintext size in bytes.
    public var size: Int64 { opener.plaintextLength }
}

/// The storage engine: every object is content-addressed per registry and encrypted with KBF1
/// under a key derived from that registry's data key. Plaintext exists only in memory, one
/// segment at a time.
///
/// Layout inside the ``BlobStore``:
/// ```
/// registries/<registry id>/blobs/<algorithm>/<first 2 hex>/<hex>   committed objects (blobs and manifests)
/// registries/<registry id>/staging/<uuid>                          writes whose digest is not yet known
/// registries/<registry id>/uploads/<upload id>/part-<n>-<digest>   acknowledged chunks of an upload
/// ```
public struct EncryptedBlobStore: Sendable {
    public let store: any BlobStore
    /// Segment counters, shared by every read and write of this engine.
    public let statistics: KBF1Statistics
    /// Plaintext bytes per KBF1 segment for new objects.
    public let segmentSize: Int

    public init(store: any BlobStore, segmentSize: Int = KBF1.defaultSegmentSize, statistics: KBF1Statistics = KBF1Statistics()) {
        self.store = store
        self.segmentSize = segmentSize
        self.statistics = statistics
    }

    /// Where the object `digest` of registry `registryID` is stored.
    public static func path(registryID: String, digest: ContentDigest) -> BlobPath {
        BlobPath("registries", registryID, "blobs", digest.algorithm.rawValue, String(digest.hex.prefix(2)), digest.hex)
    }

    /// Encrypts `body` while it streams in and commits it under its digest.
    ///
    /// - Parameters:
    ///   - expectedDigest: the digest the client declared; the object is committed only if the
    ///     plaintext matches it. Without one, SHA-256 is computed and used.
    /// - Throws: ``KBF1WriteError/digestMismatch`` (nothing is committed), errors of the body or the store.
    public func write<Body: AsyncSequence>(_ body: Body, dataKey: DataKey,
                                           expectedDigest: ContentDigest? = nil) async throws -> StoredBlob where Body.Element == ByteBuffer {
        let result = KBF1WriteResult()
        let sealed = KBF1EncryptingSequence(body, dataKey: dataKey, expectedDigest: expectedDigest, result: result,
                                            segmentSize: segmentSize, statistics: statistics)
        if let expectedDigest {
            // The sequence throws before its trailer on a mismatch, so `put` never commits a wrong object.
            _ = try await store.put(Self.path(registryID: dataKey.registryID, digest: expectedDigest), body: sealed)
        } else {
            let staging = BlobPath("registries", dataKey.registryID, "staging", UUID().uuidString.lowercased())
            _ = try await store.put(staging, body: sealed)
            do {
                try await store.move(staging, to: Self.path(registryID: dataKey.registryID, digest: result.digest!))
            } catch {
                try? await store.delete(staging)
                throw error
            }
        }
        return StoredBlob(digest: result.digest!, size: result.plaintextLength!)
    }

    /// Encrypts `body` into a staging object, not yet at its content address: the caller places it
    /// with ``place(_:)`` inside the metadata transaction that records it (so collection never
    /// races the placing; docs/garbage-collection.md), or drops it with ``discard(_:)``.
    /// - Throws: ``KBF1WriteError/digestMismatch`` when `expectedDigest` is given and the plaintext
    ///   does not match (nothing is left behind).
    public func stage<Body: AsyncSequence>(_ body: Body, dataKey: DataKey,
                                           expectedDigest: ContentDigest? = nil) async throws -> StagedBlob where Body.Element == ByteBuffer {
        let result = KBF1WriteResult()
        let staging = BlobPath("registries", dataKey.registryID, "staging", UUID().uuidString.lowercased())
        _ = try await store.put(staging, body: KBF1EncryptingSequence(body, dataKey: dataKey, expectedDigest: expectedDigest, result: result,
                                                                      segmentSize: segmentSize, statistics: statistics))
        return StagedBlob(path: staging, registryID: dataKey.registryID, blob: StoredBlob(digest: result.digest!, size: result.plaintextLength!))
    }

    /// Moves a staged object (or an upload part whose trailer names the digest) to its content
    /// address: O(1), atomic. An object already there is kept and the staged one dropped: it
    /// holds the same plaintext, and replacing it would pull the file from under a reader that
    /// has opened its header but not yet its trailer. Idempotent: when the source is gone because
    /// an earlier attempt moved it (and then failed to record it, or crashed), that object stays.
    public func place(_ staged: StagedBlob) async throws {
        let destination = Self.path(registryID: staged.registryID, digest: staged.blob.digest)
        if try await exists(staged.blob.digest, registryID: staged.registryID) {
            await discard(staged)
            return
        }
        do {
            try await store.move(staged.path, to: destination)
        } catch let error as BlobStoreError where error.code == .notFound {
            guard try await exists(staged.blob.digest, registryID: staged.registryID) else { throw error }
        }
    }

    /// Deletes a staged object that will not be placed; a missing one is not an error.
    public func discard(_ staged: StagedBlob) async {
        try? await store.delete(staged.path)
    }

    /// Encrypts `body` into a KBF1 object at `path` (not content-addressed: upload parts).
    /// - Returns: the plaintext's SHA-256 digest and size.
    public func writeObject<Body: AsyncSequence>(_ body: Body, dataKey: DataKey,
                                                 at path: BlobPath) async throws -> StoredBlob where Body.Element == ByteBuffer {
        let result = KBF1WriteResult()
        _ = try await store.put(path, body: KBF1EncryptingSequence(body, dataKey: dataKey, expectedDigest: nil, result: result,
                                                                   segmentSize: segmentSize, statistics: statistics))
        return StoredBlob(digest: result.digest!, size: result.plaintextLength!)
    }

    /// Authenticates the header and trailer of a stored object.
    /// - Throws: ``BlobStoreError`` `.notFound`; ``CryptoFailure/integrity`` when the object was
    ///   modified, truncated, extended or stored under another digest.
    public func open(_ digest: ContentDigest, dataKey: DataKey) async throws -> OpenedBlob {
        try await openObject(at: Self.path(registryID: dataKey.registryID, digest: digest), digest: digest, dataKey: dataKey)
    }

    /// Authenticates the object at `path`, which must hold plaintext with `digest`.
    public func openObject(at path: BlobPath, digest: ContentDigest, dataKey: DataKey) async throws -> OpenedBlob {
        let storedSize = try await store.size(of: path)
        guard storedSize >= Int64(KBF1.headerSize + KBF1.tagSize + KBF1.trailerSize) else {
            throw CryptoFailure.integrity("object \(digest) is too short to be KBF1")
        }
        let header = try await store.read(path, range: 0..<Int64(KBF1.headerSize)).collect(upTo: KBF1.headerSize)
        let trailer = try await store.read(path, range: (storedSize - Int64(KBF1.trailerSize))..<storedSize)
            .collect(upTo: KBF1.trailerSize)
        let opener = try KBF1Opener(headerBytes: Array(header.readableBytesView), trailerBytes: Array(trailer.readableBytesView),
                                    storedSize: storedSize, dataKey: dataKey, expectedDigest: digest, statistics: statistics)
        return OpenedBlob(digest: digest, path: path, opener: opener)
    }

    /// Streams the plaintext of `range` (the whole blob when nil), opening only the segments it touches.
    /// - Throws: ``BlobStoreError`` `.invalidRange` when the range is outside the blob. While
    ///   streaming: ``CryptoFailure/integrity`` at the first segment that does not authenticate.
    public func read(_ blob: OpenedBlob, range: Range<Int64>? = nil) async throws -> ByteStream {
        let wanted = range ?? 0..<blob.size
        guard wanted.lowerBound >= 0, wanted.upperBound <= blob.size else {
            throw BlobStoreError(.invalidRange, "range \(wanted) is outside \(blob.digest) (\(blob.size) bytes)")
        }
        let segments = KBF1DecryptingSequence<ByteStream>.segments(covering: wanted, in: blob.opener)
        let stored = try await store.read(blob.path, range: blob.opener.storedRange(ofSegments: segments))
        return ByteStream(KBF1DecryptingSequence(stored, opener: blob.opener, range: wanted))
    }

    /// Whether registry `registryID` holds an object for `digest`.
    public func exists(_ digest: ContentDigest, registryID: String) async throws -> Bool {
        do {
            _ = try await store.size(of: Self.path(registryID: registryID, digest: digest))
            return true
        } catch let error as BlobStoreError where error.code == .notFound {
            return false
        }
    }

    /// Deletes the object; a missing one is not an error.
    public func delete(_ digest: ContentDigest, registryID: String) async throws {
        try await store.delete(Self.path(registryID: registryID, digest: digest))
    }
}
