// kura — a self-hosted encrypted container registry.
// RegistryContentStore: what a registry holds — blobs, repositories, manifests, tags.

public import KuraCore

/// A registry's content records; the bytes live in a ``BlobStore`` and are placed by the
/// `place` callbacks inside the transactions that record them (docs/garbage-collection.md).
/// Every method is atomic; the contract suites in `Tests/KuraStorageTests` run against the
/// in-memory implementation and `SQLMetadataStore` on SQLite and PostgreSQL alike.
public protocol RegistryContentStore: Sendable {
    // MARK: Blobs

    /// Places a blob's bytes (`place` moves them to their final path) and records and links the
    /// blob into `repository`, in one transaction holding the digest's lock; a blob recorded
    /// before keeps its first record and is needed again. See docs/garbage-collection.md.
    func commitBlob(_ blob: BlobRecord, repository: String, place: @escaping @Sendable () async throws -> Void) async throws
    func blob(registryID: String, digest: ContentDigest) async throws -> BlobRecord?
    /// Blobs of a registry in digest order, after `after` (exclusive), at most `limit`.
    func blobs(registryID: String, after: ContentDigest?, limit: Int) async throws -> [BlobRecord]
    /// Blobs unreferenced since before `cutoff` (Unix ms), oldest first: candidates for
    /// ``collectBlob(registryID:digest:unreferencedBefore:remove:)``.
    func collectableBlobs(unreferencedBefore cutoff: Int64, limit: Int) async throws -> [(registryID: String, digest: ContentDigest)]
    /// Deletes the blob's record if it is still unreferenced since before `cutoff`, with nothing
    /// linking or referencing it, and calls `remove` (delete the bytes) before committing.
    /// - Returns: whether it was collected.
    @discardableResult
    func collectBlob(registryID: String, digest: ContentDigest, unreferencedBefore cutoff: Int64,
                     remove: @escaping @Sendable () async throws -> Void) async throws -> Bool

    // MARK: Repositories

    /// Makes a recorded blob part of `repository` (creating the repository); idempotent. The blob
    /// is needed again from then on.
    /// - Throws: `.notFound` when the blob is not recorded (or was just collected).
    func linkBlob(registryID: String, repository: String, digest: ContentDigest) async throws
    /// The blob if it is part of `repository`.
    func linkedBlob(registryID: String, repository: String, digest: ContentDigest) async throws -> BlobRecord?
    /// Removes the blob from `repository`; a blob nothing else needs is marked unreferenced at
    /// `now` (Unix ms). Returns whether it was linked.
    @discardableResult func unlinkBlob(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool
    func repositoryExists(registryID: String, name: String) async throws -> Bool
    /// Repository names of a registry in order, after `after` (exclusive), at most `limit`.
    func repositories(registryID: String, after: String?, limit: Int) async throws -> [String]

    // MARK: Manifests and tags

    /// Commits a manifest into `repository` in one transaction: the manifest and its references
    /// (kept if already recorded), the repository link, and each of `tags` (moved if it existed);
    /// `place` puts the manifest's bytes at their final path inside it, under the digest's lock.
    /// The blobs it references are needed again from then on.
    /// - Throws: `.notFound` when `requireBlobs` and a referenced blob is not recorded.
    func commitManifest(_ manifest: ManifestRecord, references: [ManifestReference], repository: String,
                        tags: [String], requireBlobs: Bool, place: @escaping @Sendable () async throws -> Void) async throws
    /// The manifest if it is part of `repository`.
    func manifest(registryID: String, repository: String, digest: ContentDigest) async throws -> ManifestRecord?
    /// Removes the manifest and every tag pointing at it from `repository`; returns whether it was
    /// there. A manifest no repository links any more is dropped, and the blobs only it
    /// referenced are marked unreferenced at `now`.
    @discardableResult func unlinkManifest(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool
    func tag(registryID: String, repository: String, name: String) async throws -> TagRecord?
    /// Tags of a repository in lexical order, after `after` (exclusive), at most `limit`.
    func tags(registryID: String, repository: String, after: String?, limit: Int) async throws -> [TagRecord]
    /// - Returns: whether the tag existed.
    @discardableResult func deleteTag(registryID: String, repository: String, name: String) async throws -> Bool
    /// Manifests of `repository` whose `subject` is `subject`, in digest order.
    func referrers(registryID: String, repository: String, subject: ContentDigest) async throws -> [ManifestRecord]
    /// Manifests linked into `repository`, in digest order after `after` (exclusive), at most `limit`.
    func repositoryManifests(registryID: String, repository: String, after: ContentDigest?, limit: Int) async throws -> [RepositoryManifest]
    /// Removes a repository with its tags, manifest links and blob links in one transaction;
    /// manifests and blobs nothing else needs are dropped and marked unreferenced at `now`.
    /// - Returns: what it held, or nil when it did not exist.
    func deleteRepository(registryID: String, name: String, at now: Int64) async throws -> RepositoryDeletion?
}
