// kura — a self-hosted encrypted container registry.
// RegistryService: blobs, manifests, tags, catalog and referrers — the rules, no HTTP.

import Foundation
import KuraAPI
public import KuraCore
import KuraCrypto
public import NIOCore

/// The OCI content rules over the stores. Blob bytes and manifest bytes are KBF1 objects in the
/// registry's content store; the metadata store says what exists and where it is linked.
///
/// Invariants: a record is written only after the bytes it names are durable; a manifest commits
/// only when every blob and child manifest it references is linked in its repository (unless
/// ``allowSparseManifests``); bytes are deleted only when nothing links or references them.
public struct RegistryService: Sendable {
    let store: any RegistryContentStore
    public let blobs: EncryptedBlobStore
    /// Stamps records and unreferenced marks.
    public let clock: any WallClock
    /// Accept manifests whose blobs or child manifests the repository does not hold ("sparse"
    /// manifests, which the spec lets a registry accept): `registry.allowSparseManifests`, off by
    /// default. What is missing stays unreadable (`BLOB_UNKNOWN` / `MANIFEST_UNKNOWN`) until pushed.
    public let allowSparseManifests: Bool

    public init(store: any RegistryContentStore, blobs: EncryptedBlobStore, allowSparseManifests: Bool = false,
                clock: any WallClock = SystemClock()) {
        self.store = store
        self.blobs = blobs
        self.allowSparseManifests = allowSparseManifests
        self.clock = clock
    }

    // MARK: Blobs

    /// The blob if `repository` holds it.
    /// - Throws: `BLOB_UNKNOWN`.
    public func blob(_ registry: RegistryContext, repository: RepositoryName, digest: ContentDigest) async throws -> BlobRecord {
        guard let blob = try await store.linkedBlob(registryID: registry.id, repository: repository.value, digest: digest) else {
            throw RegistryError(.blobUnknown, "blob \(digest) is not in repository \(repository)")
        }
        return blob
    }

    /// Opens a blob for reading (authenticating its KBF1 header and trailer).
    public func openBlob(_ registry: RegistryContext, repository: RepositoryName, digest: ContentDigest) async throws -> OpenedBlob {
        _ = try await blob(registry, repository: repository, digest: digest)
        return try await blobs.open(digest, dataKey: registry.dataKey)
    }

    /// Stores a whole blob sent in one request and links it into `repository`.
    /// - Throws: `DIGEST_INVALID` when the body does not hash to `digest`.
    public func putBlob<Body: AsyncSequence>(_ registry: RegistryContext, repository: RepositoryName, digest: ContentDigest,
                                             body: Body) async throws -> BlobRecord where Body.Element == ByteBuffer {
        let staged: StagedBlob
        do {
            staged = try await blobs.stage(body, dataKey: registry.dataKey, expectedDigest: digest)
        } catch let KBF1WriteError.digestMismatch(expected, actual) {
            throw RegistryError(.digestInvalid, "the content hashes to \(actual), not \(expected)")
        }
        return try await commit(registry, repository: repository, staged)
    }

    /// ``record(_:repository:_:)``, dropping the staged object if that fails.
    func commit(_ registry: RegistryContext, repository: RepositoryName, _ staged: StagedBlob) async throws -> BlobRecord {
        do {
            return try await record(registry, repository: repository, staged)
        } catch {
            await blobs.discard(staged)
            throw error
        }
    }

    /// Places staged bytes at their content address and records them as a blob of `repository`,
    /// in one metadata transaction (docs/garbage-collection.md).
    func record(_ registry: RegistryContext, repository: RepositoryName, _ staged: StagedBlob) async throws -> BlobRecord {
        let record = BlobRecord(registryID: registry.id, digest: staged.blob.digest, size: staged.blob.size, createdAt: clock.milliseconds)
        let blobs = self.blobs
        try await store.commitBlob(record, repository: repository.value, place: { try await blobs.place(staged) })
        return try await store.blob(registryID: registry.id, digest: staged.blob.digest) ?? record
    }

    /// Links a blob another repository of this registry holds (cross-repository mount).
    /// - Returns: the blob, or nil when `source` does not hold it (the client then uploads).
    public func mount(_ registry: RegistryContext, repository: RepositoryName, digest: ContentDigest,
                      from source: RepositoryName?) async throws -> BlobRecord? {
        guard let source, let found = try await store.linkedBlob(registryID: registry.id, repository: source.value, digest: digest)
        else { return nil }
        do {
            try await store.linkBlob(registryID: registry.id, repository: repository.value, digest: digest)
        } catch let error as StoreError where error.code == .notFound {
            return nil
        }
        // Linked (so held against collection) before its bytes are checked: a blob whose bytes
        // are gone is unlinked again and the client uploads it.
        guard try await blobs.exists(digest, registryID: registry.id) else {
            try await store.unlinkBlob(registryID: registry.id, repository: repository.value, digest: digest, at: clock.milliseconds)
            return nil
        }
        return found
    }

    /// Removes a blob from `repository`; when nothing else links or references it, it is marked
    /// unreferenced and ``BlobCollector`` deletes its bytes after the grace period.
    /// - Throws: `BLOB_UNKNOWN`.
    public func deleteBlob(_ registry: RegistryContext, repository: RepositoryName, digest: ContentDigest) async throws {
        guard try await store.unlinkBlob(registryID: registry.id, repository: repository.value, digest: digest, at: clock.milliseconds) else {
            throw RegistryError(.blobUnknown, "blob \(digest) is not in repository \(repository)")
        }
    }

    // MARK: Manifests

    /// Validates and commits a manifest under `reference` (a tag, or the digest of the body), and
    /// points each of `tags` (the push's `tag` query parameters) at it as well.
    /// - Throws: `MANIFEST_INVALID`, `UNSUPPORTED`, `DIGEST_INVALID` (digest reference does not
    ///   match the body), `MANIFEST_BLOB_UNKNOWN` (a reference is missing and sparse manifests
    ///   are not allowed).
    public func putManifest(_ registry: RegistryContext, repository: RepositoryName, reference: Reference, tags: [Tag] = [],
                            body: [UInt8], contentType: String?) async throws -> (ManifestRecord, ManifestDocument) {
        guard body.count <= ManifestDocument.maximumSize else {
            throw RegistryError(.manifestTooLarge, "manifests are limited to \(ManifestDocument.maximumSize) bytes")
        }
        let document = try ManifestDocument(body: body, contentType: contentType)
        var hasher = StreamingHasher(.sha256)
        if case .digest(let claimed) = reference, claimed.algorithm != .sha256 { hasher = StreamingHasher(claimed.algorithm) }
        hasher.update(ByteBuffer(bytes: body))
        let digest = hasher.finalize()
        if case .digest(let claimed) = reference, claimed != digest {
            throw RegistryError(.digestInvalid, "the manifest hashes to \(digest), not \(claimed)")
        }
        if !allowSparseManifests {
            for child in document.references {
                let present: Bool
                switch child.kind {
                case .blob: present = try await store.linkedBlob(registryID: registry.id, repository: repository.value, digest: child.digest) != nil
                case .manifest: present = try await store.manifest(registryID: registry.id, repository: repository.value, digest: child.digest) != nil
                }
                guard present else {
                    throw RegistryError(.manifestBlobUnknown, "the manifest references \(child.digest), which repository \(repository) does not hold")
                }
            }
        }
        let staged = try await blobs.stage(ByteStream(buffers: [ByteBuffer(bytes: body)]), dataKey: registry.dataKey, expectedDigest: digest)
        let platform = await imagePlatform(registry, document)
        let record = ManifestRecord(registryID: registry.id, digest: digest, mediaType: document.mediaType.rawValue,
                                    size: Int64(body.count), artifactType: document.artifactType, subject: document.subject,
                                    annotations: document.annotations, createdAt: clock.milliseconds, os: platform?.os,
                                    architecture: platform?.architecture)
        var names: [String] = []
        if case .tag(let tag) = reference { names.append(tag.value) }
        for tag in tags where !names.contains(tag.value) { names.append(tag.value) }
        let blobs = self.blobs
        do {
            try await store.commitManifest(record, references: document.references, repository: repository.value, tags: names,
                                              requireBlobs: !allowSparseManifests, place: { try await blobs.place(staged) })
        } catch let error as StoreError where error.code == .notFound {
            await blobs.discard(staged)
            throw RegistryError(.manifestBlobUnknown, "a blob the manifest references was deleted while it was pushed: \(error.message)")
        } catch {
            await blobs.discard(staged)
            throw error
        }
        return (record, document)
    }

    /// Image config media types whose JSON names the platform.
    static let imageConfigTypes: Set<String> = ["application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"]
    /// Largest config read for its platform, in bytes.
    static let maximumConfigSize: Int64 = 1 << 20

    /// `os` and `architecture` from an image manifest's config (what ACR's metadata API reports);
    /// nil for an index, an artifact, or a config that is not image-config JSON. Best effort: a
    /// config that cannot be read never fails the push.
    func imagePlatform(_ registry: RegistryContext, _ document: ManifestDocument) async -> (os: String, architecture: String)? {
        guard let config = document.config, config.mediaType.map(Self.imageConfigTypes.contains) ?? false,
              (config.size ?? 0) <= Self.maximumConfigSize,
              let opened = try? await blobs.open(config.digest, dataKey: registry.dataKey),
              let bytes = try? await blobs.read(opened).collect(upTo: Int(Self.maximumConfigSize)),
              let object = try? JSONValue(parsing: bytes.readableBytesView),
              let os = object["os"]?.stringValue, let architecture = object["architecture"]?.stringValue
        else { return nil }
        return (os, architecture)
    }

    /// Resolves a tag or digest to a manifest of `repository`.
    /// - Throws: `MANIFEST_UNKNOWN`.
    public func manifest(_ registry: RegistryContext, repository: RepositoryName, reference: Reference) async throws -> ManifestRecord {
        let digest: ContentDigest
        switch reference {
        case .digest(let value): digest = value
        case .tag(let tag):
            guard let found = try await store.tag(registryID: registry.id, repository: repository.value, name: tag.value) else {
                throw RegistryError(.manifestUnknown, "tag \(tag) is not in repository \(repository)")
            }
            digest = found.digest
        }
        guard let manifest = try await store.manifest(registryID: registry.id, repository: repository.value, digest: digest) else {
            throw RegistryError(.manifestUnknown, "manifest \(digest) is not in repository \(repository)")
        }
        return manifest
    }

    /// The bytes of a manifest, exactly as pushed.
    public func manifestBytes(_ registry: RegistryContext, _ manifest: ManifestRecord) async throws -> ByteBuffer {
        let opened = try await blobs.open(manifest.digest, dataKey: registry.dataKey)
        return try await blobs.read(opened).collect(upTo: ManifestDocument.maximumSize)
    }

    /// Deletes a tag (reference is a tag) or a manifest with every tag pointing at it (reference
    /// is a digest). Blobs stay while anything else needs them.
    /// - Throws: `MANIFEST_UNKNOWN`.
    public func deleteManifest(_ registry: RegistryContext, repository: RepositoryName, reference: Reference) async throws {
        switch reference {
        case .tag(let tag):
            guard try await store.deleteTag(registryID: registry.id, repository: repository.value, name: tag.value) else {
                throw RegistryError(.manifestUnknown, "tag \(tag) is not in repository \(repository)")
            }
        case .digest(let digest):
            guard try await store.unlinkManifest(registryID: registry.id, repository: repository.value, digest: digest, at: clock.milliseconds) else {
                throw RegistryError(.manifestUnknown, "manifest \(digest) is not in repository \(repository)")
            }
        }
    }

    // MARK: Listing

    /// Up to `limit` tag names of `repository` after `last`.
    /// - Throws: `NAME_UNKNOWN` when the repository does not exist.
    public func tags(_ registry: RegistryContext, repository: RepositoryName, after last: String?, limit: Int) async throws -> [String] {
        try await tagRecords(registry, repository: repository, after: last, limit: limit).map(\.name)
    }

    /// Up to `limit` tags of `repository` after `last`, with their digests and times.
    /// - Throws: `NAME_UNKNOWN` when the repository does not exist.
    public func tagRecords(_ registry: RegistryContext, repository: RepositoryName, after last: String?, limit: Int) async throws -> [TagRecord] {
        let tags = try await store.tags(registryID: registry.id, repository: repository.value, after: last, limit: limit)
        if tags.isEmpty, try await !store.repositoryExists(registryID: registry.id, name: repository.value) {
            throw RegistryError(.nameUnknown, "repository \(repository) does not exist")
        }
        return tags
    }

    /// One tag of `repository`.
    /// - Throws: `MANIFEST_UNKNOWN` when the tag does not exist.
    public func tagRecord(_ registry: RegistryContext, repository: RepositoryName, tag: Tag) async throws -> TagRecord {
        guard let found = try await store.tag(registryID: registry.id, repository: repository.value, name: tag.value) else {
            throw RegistryError(.manifestUnknown, "tag \(tag) is not in repository \(repository)")
        }
        return found
    }

    /// Up to `limit` repository names after `last`.
    public func catalog(_ registry: RegistryContext, after last: String?, limit: Int) async throws -> [String] {
        try await store.repositories(registryID: registry.id, after: last, limit: limit)
    }

    /// Up to `limit` manifests of `repository` after `last`, with their tags and sizes (ACR's metadata API).
    /// - Throws: `NAME_UNKNOWN` when the repository does not exist.
    public func manifests(_ registry: RegistryContext, repository: RepositoryName, after last: ContentDigest?,
                          limit: Int) async throws -> [RepositoryManifest] {
        let page = try await store.repositoryManifests(registryID: registry.id, repository: repository.value, after: last, limit: limit)
        if page.isEmpty, try await !store.repositoryExists(registryID: registry.id, name: repository.value) {
            throw RegistryError(.nameUnknown, "repository \(repository) does not exist")
        }
        return page
    }

    /// Deletes a repository: its tags, manifest links and blob links at once; blobs nothing else
    /// needs are marked unreferenced, and ``BlobCollector`` deletes their bytes after the grace period.
    /// - Throws: `NAME_UNKNOWN` when the repository does not exist.
    public func deleteRepository(_ registry: RegistryContext, repository: RepositoryName) async throws -> RepositoryDeletion {
        guard let deletion = try await store.deleteRepository(registryID: registry.id, name: repository.value, at: clock.milliseconds) else {
            throw RegistryError(.nameUnknown, "repository \(repository) does not exist")
        }
        return deletion
    }

    /// Manifests of `repository` whose subject is `digest`, optionally of one artifact type.
    public func referrers(_ registry: RegistryContext, repository: RepositoryName, subject digest: ContentDigest,
                          artifactType: String?) async throws -> [ManifestRecord] {
        let all = try await store.referrers(registryID: registry.id, repository: repository.value, subject: digest)
        guard let artifactType else { return all }
        return all.filter { $0.artifactType == artifactType }
    }
}
