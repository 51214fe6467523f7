// kura — a self-hosted encrypted container registry.
// UploadStore: resumable upload sessions and their parts.

import KuraCore

/// Upload sessions: each PATCH appends one part with a compare-and-swap on the size.
/// Every method is atomic; the contract suites in `Tests/KuraStorageTests` run against the
/// in-memory implementation and `SQLMetadataStore` on SQLite and PostgreSQL alike.
public protocol UploadStore: Sendable {
    // MARK: Uploads

    func insertUpload(_ upload: UploadRecord) async throws
    func upload(id: String) async throws -> UploadRecord?
    /// Appends a committed part if the upload still has `expectedSize` bytes (so two racing
    /// chunks cannot both land); returns the updated upload.
    /// - Throws: `.notFound`; `.preconditionFailed` when the size moved.
    func appendUploadPart(uploadID: String, expectedSize: Int64, part: UploadPartRecord) async throws -> UploadRecord
    func uploadParts(uploadID: String) async throws -> [UploadPartRecord]
    /// - Returns: whether the upload existed.
    @discardableResult func deleteUpload(id: String) async throws -> Bool
    /// Upload sessions started before `cutoff` (Unix milliseconds), oldest first, at most `limit`.
    func uploads(startedBefore cutoff: Int64, limit: Int) async throws -> [UploadRecord]
}
