// kura — a self-hosted encrypted container registry.
// UploadService: upload sessions that survive restarts.

import Foundation
public import KuraCore
import KuraCrypto
public import NIOCore

/// Blob upload sessions (OCI "push a blob in chunks"). Each acknowledged chunk is a KBF1 object
/// of its own (a part: written as `incoming-<uuid>`, moved to `part-<n>-<digest>`, then recorded
/// with a compare-and-swap on the session's size) and a row in the metadata store, so a session survives a restart and
/// resumes at the acknowledged offset. Completing a one-part upload whose part already has the
/// final digest moves the part into place (O(1)); otherwise the parts are streamed into the blob.
public struct UploadService: Sendable {
    let service: RegistryService
    let store: any UploadStore
    var blobs: EncryptedBlobStore { service.blobs }

    public init(service: RegistryService, store: any UploadStore) {
        self.service = service
        self.store = store
    }

    /// The largest byte offset an upload accepts (1 PiB): every offset and length parsed from a
    /// request is checked against it before any arithmetic, so none can overflow.
    public static let largestOffset: Int64 = 1 << 50

    /// Where a committed part lives: named by its number and digest, so two racing chunks for the
    /// same number never share a file unless they are the same bytes.
    static func partPath(registryID: String, uploadID: String, part: UploadPartRecord) -> BlobPath {
        BlobPath("registries", registryID, "uploads", uploadID,
                 "part-" + String(format: "%06d", part.number) + "-" + String(part.digest.hex.prefix(32)))
    }

    /// Opens a new session in `repository`.
    public func start(_ registry: RegistryContext, repository: RepositoryName) async throws -> UploadRecord {
        let upload = UploadRecord(id: UUID().uuidString.lowercased(), registryID: registry.id, repository: repository.value,
                                  createdAt: service.clock.milliseconds)
        try await store.insertUpload(upload)
        return upload
    }

    /// The session `id` of `repository`.
    /// - Throws: `BLOB_UPLOAD_UNKNOWN` (also for a malformed id or another repository's session).
    public func session(_ registry: RegistryContext, repository: RepositoryName, id: String) async throws -> UploadRecord {
        guard UUID(uuidString: id) != nil, let upload = try await store.upload(id: id.lowercased()),
              upload.registryID == registry.id, upload.repository == repository.value
        else { throw RegistryError(.blobUploadUnknown, "upload \(id) is not in progress in repository \(repository)") }
        return upload
    }

    /// Appends a chunk. `range`, when the client sent `Content-Range`, must start at the current
    /// size (chunks in order) and, with `length`, must match what arrives.
    /// - Throws: `RANGE_INVALID` (416) for an out-of-order or inconsistent range, `SIZE_INVALID`.
    public func append<Body: AsyncSequence>(_ registry: RegistryContext, upload: UploadRecord, body: Body,
                                            range: ClosedRange<Int64>?, length: Int64?) async throws -> UploadRecord
    where Body.Element == ByteBuffer {
        if let range, range.lowerBound < 0 || range.upperBound > Self.largestOffset {
            throw RegistryError(.rangeInvalid, "Content-Range must lie within 0-\(Self.largestOffset)")
        }
        if let range, range.lowerBound != upload.size {
            throw RegistryError(.rangeInvalid, "chunk starts at \(range.lowerBound); the upload is at \(upload.size)")
        }
        if let range, let length, Int64(range.count) != length {
            throw RegistryError(.rangeInvalid, "Content-Range covers \(range.count) bytes but Content-Length is \(length)")
        }
        // A declared-empty chunk (the usual final PUT) adds nothing: skip writing and deleting an empty object.
        if length == 0 && range == nil { return upload }
        let incoming = BlobPath("registries", registry.id, "uploads", upload.id, "incoming-" + UUID().uuidString.lowercased())
        let stored = try await blobs.writeObject(body, dataKey: registry.dataKey, at: incoming)
        if stored.size == 0 {
            try await blobs.store.delete(incoming)
            return upload
        }
        if let range, Int64(range.count) != stored.size {
            try await blobs.store.delete(incoming)
            throw RegistryError(.rangeInvalid, "Content-Range covers \(range.count) bytes but \(stored.size) arrived")
        }
        let part = UploadPartRecord(number: upload.partCount + 1, size: stored.size, digest: stored.digest)
        let path = Self.partPath(registryID: registry.id, uploadID: upload.id, part: part)
        try await blobs.store.move(incoming, to: path)
        do {
            return try await store.appendUploadPart(uploadID: upload.id, expectedSize: upload.size, part: part)
        } catch let error as StoreError where error.code == .preconditionFailed {
            // Another chunk won the race; its part file is ours only if it holds the same bytes.
            let winner = try await store.uploadParts(uploadID: upload.id).first { $0.number == part.number }
            if winner?.digest != part.digest { try? await blobs.store.delete(path) }
            throw RegistryError(.rangeInvalid, "another chunk of upload \(upload.id) landed first")
        } catch let error as StoreError where error.code == .notFound {
            try? await blobs.store.delete(path)
            throw RegistryError(.blobUploadUnknown, "upload \(upload.id) was cancelled")
        }
    }

    /// Completes the session: appends `finalChunk` if any, checks the digest, commits the blob
    /// into the session's repository and ends the session.
    /// - Throws: `DIGEST_INVALID` when the uploaded bytes do not hash to `digest` (the session stays open).
    public func complete<Body: AsyncSequence>(_ registry: RegistryContext, upload: UploadRecord, digest: ContentDigest,
                                              finalChunk: Body, range: ClosedRange<Int64>?, length: Int64?) async throws -> BlobRecord
    where Body.Element == ByteBuffer {
        let upload = try await append(registry, upload: upload, body: finalChunk, range: range, length: length)
        let parts = try await store.uploadParts(uploadID: upload.id)
        guard let repository = RepositoryName(upload.repository) else {
            throw RegistryError(.nameInvalid, "upload \(upload.id) names an invalid repository '\(upload.repository)'")
        }
        let blob: BlobRecord
        if parts.count == 1 && parts[0].digest == digest {
            // The part already holds exactly this blob: it is placed as it is (O(1)). If recording
            // fails, the part stays with its session (or is already in place) for a retry.
            let part = StagedBlob(path: Self.partPath(registryID: registry.id, uploadID: upload.id, part: parts[0]), registryID: registry.id,
                                  blob: StoredBlob(digest: digest, size: parts[0].size))
            blob = try await service.record(registry, repository: repository, part)
        } else {
            let staged: StagedBlob
            do {
                staged = try await blobs.stage(concatenation(registry, upload: upload, parts: parts), dataKey: registry.dataKey,
                                               expectedDigest: digest)
            } catch let KBF1WriteError.digestMismatch(expected, actual) {
                throw RegistryError(.digestInvalid, "the uploaded content hashes to \(actual), not \(expected)")
            }
            blob = try await service.commit(registry, repository: repository, staged)
        }
        try await discard(registry, upload: upload, parts: parts)
        return blob
    }

    /// Deletes every session started more than `age` ago with all its files — parts and any
    /// chunk an interrupted request left half-written.
    /// - Returns: the sessions deleted.
    public func expire(olderThan age: Duration) async throws -> [UploadRecord] {
        let cutoff = service.clock.milliseconds - age.milliseconds
        var expired: [UploadRecord] = []
        while true {
            let batch = try await store.uploads(startedBefore: cutoff, limit: 100)
            for upload in batch {
                try await store.deleteUpload(id: upload.id)
                for file in try await blobs.store.list(prefix: BlobPath("registries", upload.registryID, "uploads", upload.id)) {
                    try? await blobs.store.delete(file)
                }
                expired.append(upload)
            }
            if batch.count < 100 { return expired }
        }
    }

    /// Cancels the session and deletes its parts.
    public func cancel(_ registry: RegistryContext, upload: UploadRecord) async throws {
        try await discard(registry, upload: upload, parts: try await store.uploadParts(uploadID: upload.id))
    }

    private func discard(_ registry: RegistryContext, upload: UploadRecord, parts: [UploadPartRecord]) async throws {
        try await store.deleteUpload(id: upload.id)
        for part in parts {
            try? await blobs.store.delete(Self.partPath(registryID: registry.id, uploadID: upload.id, part: part))
        }
    }

    /// The plaintext of all parts in order, decrypted one part at a time.
    private func concatenation(_ registry: RegistryContext, upload: UploadRecord, parts: [UploadPartRecord]) -> ByteStream {
        let blobs = self.blobs
        let state = PartCursor(parts: parts)
        return ByteStream {
            {
                while true {
                    if let chunk = try await state.nextChunk() { return chunk }
                    guard let part = state.advance() else { return nil }
                    let path = Self.partPath(registryID: registry.id, uploadID: upload.id, part: part)
                    let opened = try await blobs.openObject(at: path, digest: part.digest, dataKey: registry.dataKey)
                    state.begin(try await blobs.read(opened))
                }
            }
        }
    }
}

/// Walks the parts of an upload for ``UploadService``'s concatenation.
///
/// `@unchecked Sendable`: driven by one iteration at a time (a ByteStream is single-pass).
private final class PartCursor: @unchecked Sendable {
    private var remaining: ArraySlice<UploadPartRecord>
    private var current: ByteStream.AsyncIterator?

    init(parts: [UploadPartRecord]) { remaining = parts[...] }

    func nextChunk() async throws -> ByteBuffer? {
        guard current != nil else { return nil }
        if let chunk = try await current!.next() { return chunk }
        current = nil
        return nil
    }

    func advance() -> UploadPartRecord? { remaining.popFirst() }
    func begin(_ stream: ByteStream) { current = stream.makeAsyncIterator() }
}
