// kura — a self-hosted encrypted container registry.
// MemoryRegistryStore: the registry plane's stores in memory, for tests (same contract as the SQL store).

public import KuraCore
import Synchronization

/// The registry plane's ``RegistryStore``, ``RegistryContentStore`` and ``UploadStore`` in memory:
/// one process, nothing durable. Every method is one transaction: methods run one at a time, in
/// arrival order, behind a lock held across the `place`/`remove` callbacks, and a method that
/// throws (or whose callback throws) leaves the state as it found it. The contract suites run
/// against this and `SQLMetadataStore` alike, so each method mirrors that store's SQL.
///
/// Invariants (the SQL schema's keys and foreign keys): content and uploads exist only under a
/// recorded registry; a blob's stamp is nil while a link or a manifest reference needs it
/// (docs/garbage-collection.md); a manifest is dropped with its references when its last
/// repository link goes.
public actor MemoryRegistryStore: RegistryStore, RegistryContentStore, UploadStore {
    /// Stamps what the store itself dates: repository creation and tag moves.
    private let clock: any WallClock
    private let lock = SerialLock()
    /// Changed only while `lock` is held.
    private var current = Tables()

    public init(clock: any WallClock = SystemClock()) {
        self.clock = clock
    }

    // MARK: Registries

    public func insertRegistry(_ registry: RegistryRecord) async throws {
        try await write { tables in
            let key = registry.name.lowercased()
            guard tables.registries[registry.id] == nil,
                  !tables.registries.values.contains(where: { $0.record.name.lowercased() == key })
            else { throw StoreError(.conflict, "registry \(registry.name) already exists") }
            tables.registries[registry.id] = RegistryRow(record: registry)
        }
    }

    public func registry(named name: String) async throws -> RegistryRecord? {
        let key = name.lowercased()
        return try await read { tables in tables.registries.values.first { $0.record.name.lowercased() == key }?.record }
    }

    public func registries() async throws -> [RegistryRecord] {
        try await read { tables in
            tables.registries.values.map(\.record).sorted { textOrder($0.name.lowercased(), $1.name.lowercased()) }
        }
    }

    public func replaceWrappedDataKey(registryID: String, expected: [UInt8], new: [UInt8], customerKey: CustomerKeyBinding?) async throws {
        try await write { tables in
            guard let stored = tables.registries[registryID] else { throw Self.noRegistry(registryID) }
            guard stored.record.wrappedDataKey == expected else {
                throw StoreError(.preconditionFailed, "the data key of registry \(registryID) changed concurrently")
            }
            tables.registries[registryID]?.record.wrappedDataKey = new
            tables.registries[registryID]?.record.customerKey = customerKey
        }
    }

    public func updateRegistrySettings(id: String, adminUserEnabled: Bool, sealedAdminPasswords: [UInt8]?,
                                       anonymousPullEnabled: Bool) async throws {
        try await write { tables in
            guard tables.registries[id] != nil else { throw Self.noRegistry(id) }
            tables.registries[id]?.record.adminUserEnabled = adminUserEnabled
            tables.registries[id]?.record.sealedAdminPasswords = sealedAdminPasswords
            tables.registries[id]?.record.anonymousPullEnabled = anonymousPullEnabled
        }
    }

    @discardableResult
    public func deleteRegistry(id: String) async throws -> Bool {
        try await write { tables in
            tables.uploads = tables.uploads.filter { $0.value.record.registryID != id }
            return tables.registries.removeValue(forKey: id) != nil
        }
    }

    // MARK: Blobs

    public func commitBlob(_ blob: BlobRecord, repository: String, place: @escaping @Sendable () async throws -> Void) async throws {
        try await exclusively {
            try await place()
            // The SQL insert fails on its foreign key after `place`, and rolls back.
            guard current.registries[blob.registryID] != nil else { throw Self.noRegistry(blob.registryID) }
            current.registries[blob.registryID]?.content.commit(blob, repository: repository, at: clock.milliseconds)
        }
    }

    public func blob(registryID: String, digest: ContentDigest) async throws -> BlobRecord? {
        try await read { tables in tables.registries[registryID]?.content.blobs[digest]?.record }
    }

    public func blobs(registryID: String, after: ContentDigest?, limit: Int) async throws -> [BlobRecord] {
        try await read { tables in
            let records = tables.registries[registryID]?.content.blobs.values.map(\.record) ?? []
            return page(records, key: { $0.digest.description }, after: after?.description, limit: limit)
        }
    }

    public func collectableBlobs(unreferencedBefore cutoff: Int64,
                                 limit: Int) async throws -> [(registryID: String, digest: ContentDigest)] {
        try await read { tables in
            var candidates: [(stamp: Int64, registryID: String, digest: ContentDigest)] = []
            for (registryID, stored) in tables.registries {
                for blob in stored.content.blobs.values {
                    guard let stamp = blob.unreferencedAt, stamp < cutoff else { continue }
                    candidates.append((stamp, registryID, blob.record.digest))
                }
            }
            // SQL orders by the stamp only; ties go by registry and digest here, to be deterministic.
            candidates.sort { a, b in
                if a.stamp != b.stamp { return a.stamp < b.stamp }
                if a.registryID != b.registryID { return textOrder(a.registryID, b.registryID) }
                return digestOrder(a.digest, b.digest)
            }
            return candidates.prefix(max(0, limit)).map { (registryID: $0.registryID, digest: $0.digest) }
        }
    }

    @discardableResult
    public func collectBlob(registryID: String, digest: ContentDigest, unreferencedBefore cutoff: Int64,
                            remove: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await exclusively { () async throws -> Bool in
            guard let content = current.registries[registryID]?.content,
                  let stamp = content.blobs[digest]?.unreferencedAt, stamp < cutoff
            else { return false }
            guard !content.needs(digest, countingManifests: true) else {
                // Marked, but needed after all: unmarked, so it is no candidate until unneeded anew.
                current.registries[registryID]?.content.blobs[digest]?.unreferencedAt = nil
                return false
            }
            // Before the record goes: if removing fails, the record stays for the next pass.
            try await remove()
            current.registries[registryID]?.content.blobs[digest] = nil
            return true
        }
    }

    // MARK: Repositories

    public func linkBlob(registryID: String, repository: String, digest: ContentDigest) async throws {
        try await write { tables in
            guard tables.registries[registryID]?.content.revive(digest) == true else {
                throw StoreError(.notFound, "blob \(digest) is not recorded")
            }
            tables.registries[registryID]?.content.link(digest, into: repository, at: clock.milliseconds)
        }
    }

    public func linkedBlob(registryID: String, repository: String, digest: ContentDigest) async throws -> BlobRecord? {
        try await read { tables in
            guard let content = tables.registries[registryID]?.content,
                  content.blobLinks.contains(Link(repository: repository, digest: digest))
            else { return nil }
            return content.blobs[digest]?.record
        }
    }

    @discardableResult
    public func unlinkBlob(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool {
        try await write { tables in tables.registries[registryID]?.content.unlinkBlob(digest, from: repository, at: now) ?? false }
    }

    public func repositoryExists(registryID: String, name: String) async throws -> Bool {
        try await read { tables in tables.registries[registryID]?.content.repositories[name] != nil }
    }

    public func repositories(registryID: String, after: String?, limit: Int) async throws -> [String] {
        try await read { tables in
            page(tables.registries[registryID]?.content.repositories.keys.map { $0 } ?? [], key: { $0 }, after: after, limit: limit)
        }
    }

    // MARK: Manifests and tags

    public func commitManifest(_ manifest: ManifestRecord, references: [ManifestReference], repository: String,
                               tags: [String], requireBlobs: Bool, place: @escaping @Sendable () async throws -> Void) async throws {
        let registryID = manifest.registryID
        try await exclusively {
            // Revives and checks first (undone if anything below throws), then the bytes, then the rows.
            var content = current.registries[registryID]?.content ?? Content()
            try content.hold(references, in: repository, requireBlobs: requireBlobs)
            try await place()
            guard current.registries[registryID] != nil else { throw Self.noRegistry(registryID) }
            content.record(manifest, references: references, in: repository, tags: tags, clock: clock)
            current.registries[registryID]?.content = content
        }
    }

    public func manifest(registryID: String, repository: String, digest: ContentDigest) async throws -> ManifestRecord? {
        try await read { tables in
            guard let content = tables.registries[registryID]?.content,
                  content.manifestLinks[Link(repository: repository, digest: digest)] != nil
            else { return nil }
            return content.manifests[digest]
        }
    }

    @discardableResult
    public func unlinkManifest(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool {
        try await write { tables in tables.registries[registryID]?.content.unlinkManifest(digest, from: repository, at: now) ?? false }
    }

    public func tag(registryID: String, repository: String, name: String) async throws -> TagRecord? {
        try await read { tables in tables.registries[registryID]?.content.tags[repository]?[name] }
    }

    public func tags(registryID: String, repository: String, after: String?, limit: Int) async throws -> [TagRecord] {
        try await read { tables in
            let tags = tables.registries[registryID]?.content.tags[repository] ?? [:]
            return page(Array(tags.values), key: { $0.name }, after: after, limit: limit)
        }
    }

    @discardableResult
    public func deleteTag(registryID: String, repository: String, name: String) async throws -> Bool {
        try await write { tables in tables.registries[registryID]?.content.tags[repository]?.removeValue(forKey: name) != nil }
    }

    public func referrers(registryID: String, repository: String, subject: ContentDigest) async throws -> [ManifestRecord] {
        try await read { tables in
            guard let content = tables.registries[registryID]?.content else { return [] }
            return content.manifests.values
                .filter { $0.subject == subject && content.manifestLinks[Link(repository: repository, digest: $0.digest)] != nil }
                .sorted { digestOrder($0.digest, $1.digest) }
        }
    }

    public func repositoryManifests(registryID: String, repository: String, after: ContentDigest?,
                                    limit: Int) async throws -> [RepositoryManifest] {
        try await read { tables in
            tables.registries[registryID]?.content.listManifests(in: repository, after: after, limit: limit) ?? []
        }
    }

    public func deleteRepository(registryID: String, name: String, at now: Int64) async throws -> RepositoryDeletion? {
        try await write { tables in tables.registries[registryID]?.content.deleteRepository(name, at: now) }
    }

    // MARK: Uploads

    public func insertUpload(_ upload: UploadRecord) async throws {
        try await write { tables in
            guard tables.uploads[upload.id] == nil else { throw StoreError(.conflict, "upload \(upload.id) already exists") }
            guard tables.registries[upload.registryID] != nil else { throw Self.noRegistry(upload.registryID) }
            tables.uploads[upload.id] = UploadRow(record: upload)
        }
    }

    public func upload(id: String) async throws -> UploadRecord? {
        try await read { tables in tables.uploads[id]?.record }
    }

    public func appendUploadPart(uploadID: String, expectedSize: Int64, part: UploadPartRecord) async throws -> UploadRecord {
        try await write { tables in
            guard var upload = tables.uploads[uploadID] else { throw StoreError(.notFound, "no upload \(uploadID)") }
            guard upload.record.size == expectedSize, upload.record.partCount == part.number - 1 else {
                throw StoreError(.preconditionFailed, "upload \(uploadID) is no longer at offset \(expectedSize)")
            }
            upload.record.size = expectedSize + part.size
            upload.record.partCount = part.number
            upload.parts.append(part)
            tables.uploads[uploadID] = upload
            return upload.record
        }
    }

    public func uploadParts(uploadID: String) async throws -> [UploadPartRecord] {
        try await read { tables in (tables.uploads[uploadID]?.parts ?? []).sorted { $0.number < $1.number } }
    }

    @discardableResult
    public func deleteUpload(id: String) async throws -> Bool {
        try await write { tables in tables.uploads.removeValue(forKey: id) != nil }
    }

    public func uploads(startedBefore cutoff: Int64, limit: Int) async throws -> [UploadRecord] {
        try await read { tables in
            let started = tables.uploads.values.map(\.record).filter { $0.createdAt < cutoff }.sorted { a, b in
                a.createdAt != b.createdAt ? a.createdAt < b.createdAt : textOrder(a.id, b.id)
            }
            return Array(started.prefix(max(0, limit)))
        }
    }

    // MARK: Transactions

    /// Runs `body` alone: no other method of this store starts until it ends.
    private func exclusively<R>(_ body: () async throws -> R) async throws -> R {
        await lock.acquire()
        defer { lock.release() }
        return try await body()
    }

    /// A writing transaction: `body` changes a copy of the tables, which replaces them only if it returns.
    private func write<R>(_ body: (inout Tables) throws -> R) async throws -> R {
        try await exclusively {
            var next = current
            let result = try body(&next)
            current = next
            return result
        }
    }

    private func read<R>(_ body: (Tables) throws -> R) async throws -> R {
        try await exclusively { try body(current) }
    }

    private static func noRegistry(_ id: String) -> StoreError { StoreError(.notFound, "no registry with id \(id)") }
}

// MARK: - Tables

/// Everything the store holds, shaped like the SQL tables.
private struct Tables {
    /// `registries` by id, each with its content (the tables keyed by registry id).
    var registries: [String: RegistryRow] = [:]
    /// `uploads` by id, with their `upload_parts`.
    var uploads: [String: UploadRow] = [:]
}

private struct RegistryRow {
    var record: RegistryRecord
    var content = Content()
}

private struct UploadRow {
    var record: UploadRecord
    /// Dense, 1-based, in number order.
    var parts: [UploadPartRecord] = []
}

private struct BlobRow {
    /// The first record committed (a later commit of the same digest keeps it).
    var record: BlobRecord
    /// When the blob last became unneeded (Unix ms); nil while needed.
    var unreferencedAt: Int64?
}

/// A repository's link to a blob or manifest (`repository_blobs`, `repository_manifests`).
private struct Link: Hashable {
    var repository: String
    var digest: ContentDigest
}

/// One registry's content tables.
private struct Content {
    /// `blobs`.
    var blobs: [ContentDigest: BlobRow] = [:]
    /// `repositories`: name to creation time.
    var repositories: [String: Int64] = [:]
    /// `repository_blobs`.
    var blobLinks: Set<Link> = []
    /// `manifests`: the first record committed.
    var manifests: [ContentDigest: ManifestRecord] = [:]
    /// `manifest_references`: manifest to child to kind (one row per child, the first kind recorded).
    var references: [ContentDigest: [ContentDigest: ManifestReference.Kind]] = [:]
    /// `repository_manifests`: link to link time (the `createdAt` of the manifest record that made it).
    var manifestLinks: [Link: Int64] = [:]
    /// `tags`: repository to tag name to tag.
    var tags: [String: [String: TagRecord]] = [:]

    // MARK: Needed, marked, revived

    /// Whether a link or a manifest reference (of either kind) needs `digest`; with
    /// `countingManifests`, a manifest of that digest too (collection's check).
    func needs(_ digest: ContentDigest, countingManifests: Bool = false) -> Bool {
        blobLinks.contains { $0.digest == digest }
            || references.values.contains { $0[digest] != nil }
            || (countingManifests && manifests[digest] != nil)
    }

    /// Clears a recorded blob's stamp (it is needed again); false when it is not recorded.
    mutating func revive(_ digest: ContentDigest) -> Bool {
        guard blobs[digest] != nil else { return false }
        blobs[digest]?.unreferencedAt = nil
        return true
    }

    /// Stamps `now` on each recorded blob of `digests` that carries no stamp and nothing needs.
    mutating func markUnreferenced(_ digests: [ContentDigest], at now: Int64) {
        for digest in Set(digests) {
            guard let blob = blobs[digest], blob.unreferencedAt == nil, !needs(digest) else { continue }
            blobs[digest]?.unreferencedAt = now
        }
    }

    // MARK: Blobs and repositories

    mutating func commit(_ blob: BlobRecord, repository: String, at now: Int64) {
        if blobs[blob.digest] == nil {
            blobs[blob.digest] = BlobRow(record: blob)
        } else {
            blobs[blob.digest]?.unreferencedAt = nil
        }
        link(blob.digest, into: repository, at: now)
    }

    /// Links a blob into `repository`, creating the repository at `now` if it is new.
    mutating func link(_ digest: ContentDigest, into repository: String, at now: Int64) {
        if repositories[repository] == nil { repositories[repository] = now }
        blobLinks.insert(Link(repository: repository, digest: digest))
    }

    mutating func unlinkBlob(_ digest: ContentDigest, from repository: String, at now: Int64) -> Bool {
        guard blobLinks.remove(Link(repository: repository, digest: digest)) != nil else { return false }
        markUnreferenced([digest], at: now)
        return true
    }

    /// Removes the repository's tags and links; nil (with those removals kept, as in SQL) when
    /// the repository is not recorded. Drops the manifests no repository links any more and
    /// stamps the blobs nothing needs.
    mutating func deleteRepository(_ name: String, at now: Int64) -> RepositoryDeletion? {
        let removedTags = Array((tags.removeValue(forKey: name) ?? [:]).keys)
        let removedManifests = manifestLinks.keys.filter { $0.repository == name }.map(\.digest)
        let removedBlobs = blobLinks.filter { $0.repository == name }.map(\.digest)
        manifestLinks = manifestLinks.filter { $0.key.repository != name }
        blobLinks = blobLinks.filter { $0.repository != name }
        guard repositories.removeValue(forKey: name) != nil else { return nil }
        let manifestsInOrder = removedManifests.sorted(by: digestOrder)
        for digest in manifestsInOrder { dropManifestIfUnlinked(digest, at: now) }
        markUnreferenced(removedBlobs, at: now)
        return RepositoryDeletion(manifests: manifestsInOrder, tags: removedTags.sorted(by: textOrder),
                                  blobs: removedBlobs.sorted(by: digestOrder))
    }

    // MARK: Manifests

    /// What comes before a manifest's bytes are placed: each referenced blob is revived and, with
    /// `requireBlobs`, each referenced blob and child manifest must be in `repository`.
    /// - Throws: `.notFound`.
    mutating func hold(_ references: [ManifestReference], in repository: String, requireBlobs: Bool) throws {
        let blobDigests = Set(references.filter { $0.kind == .blob }.map(\.digest)).sorted(by: digestOrder)
        for digest in blobDigests {
            let revived = revive(digest)
            guard requireBlobs else { continue }
            guard revived, blobLinks.contains(Link(repository: repository, digest: digest)) else {
                throw StoreError(.notFound, "blob \(digest) is not in repository \(repository)")
            }
        }
        guard requireBlobs else { return }
        for reference in references where reference.kind == .manifest
            && manifestLinks[Link(repository: repository, digest: reference.digest)] == nil {
            throw StoreError(.notFound, "manifest \(reference.digest) is not in repository \(repository)")
        }
    }

    /// Records the manifest and its references (each kept if already recorded), links it into
    /// `repository` and points each of `tags` at it, stamped by `clock`.
    mutating func record(_ manifest: ManifestRecord, references newReferences: [ManifestReference], in repository: String,
                         tags newTags: [String], clock: any WallClock) {
        let digest = manifest.digest
        if repositories[repository] == nil { repositories[repository] = clock.milliseconds }
        if manifests[digest] == nil { manifests[digest] = manifest }
        for reference in newReferences where references[digest]?[reference.digest] == nil {
            references[digest, default: [:]][reference.digest] = reference.kind
        }
        let link = Link(repository: repository, digest: digest)
        if manifestLinks[link] == nil { manifestLinks[link] = manifest.createdAt }
        for name in newTags {
            tags[repository, default: [:]][name] = TagRecord(name: name, digest: digest, updatedAt: clock.milliseconds)
        }
    }

    /// Removes the manifest and the repository's tags pointing at it from `repository`.
    mutating func unlinkManifest(_ digest: ContentDigest, from repository: String, at now: Int64) -> Bool {
        tags[repository] = tags[repository]?.filter { $0.value.digest != digest }
        guard manifestLinks.removeValue(forKey: Link(repository: repository, digest: digest)) != nil else { return false }
        dropManifestIfUnlinked(digest, at: now)
        return true
    }

    /// Drops the manifest when no repository links it any more: its record and references go,
    /// and the blobs only it referenced are stamped.
    mutating func dropManifestIfUnlinked(_ digest: ContentDigest, at now: Int64) {
        guard !manifestLinks.keys.contains(where: { $0.digest == digest }) else { return }
        let children = references.removeValue(forKey: digest) ?? [:]
        manifests[digest] = nil
        markUnreferenced(children.filter { $0.value == .blob }.map(\.key), at: now)
    }

    /// A page of the manifests linked into `repository`, with their tags, the size of the blobs
    /// they reference (recorded ones only, as SQL's join) and their link time.
    func listManifests(in repository: String, after: ContentDigest?, limit: Int) -> [RepositoryManifest] {
        let links = page(manifestLinks.filter { $0.key.repository == repository }.map { (digest: $0.key.digest, linkedAt: $0.value) },
                         key: { $0.digest.description }, after: after?.description, limit: limit)
        var tagsByDigest: [ContentDigest: [String]] = [:]
        for tag in (tags[repository] ?? [:]).values.sorted(by: { textOrder($0.name, $1.name) }) {
            tagsByDigest[tag.digest, default: []].append(tag.name)
        }
        var found: [RepositoryManifest] = []
        for link in links {
            guard let manifest = manifests[link.digest] else { continue }
            var size: Int64 = 0
            for (child, kind) in references[link.digest] ?? [:] where kind == .blob {
                size += blobs[child]?.record.size ?? 0
            }
            found.append(RepositoryManifest(manifest: manifest, tags: tagsByDigest[link.digest] ?? [], referencedBlobSize: size,
                                            linkedAt: link.linkedAt))
        }
        return found
    }
}

// MARK: - Order

/// SQL's text order (SQLite's BINARY collation): UTF-8 bytes, lexicographically.
private func textOrder(_ a: String, _ b: String) -> Bool { a.bytesPrecede(b) }

/// Digests in the text order of their `algorithm:hex` column.
private func digestOrder(_ a: ContentDigest, _ b: ContentDigest) -> Bool {
    textOrder(a.description, b.description)
}

/// One page in text order of `key`: the items after `after` (exclusive), at most `limit`
/// (`LIMIT max(0, limit)`).
private func page<Item>(_ items: [Item], key: (Item) -> String, after: String?, limit: Int) -> [Item] {
    let kept = items.filter { item in after.map { textOrder($0, key(item)) } ?? true }
    return Array(kept.sorted { textOrder(key($0), key($1)) }.prefix(max(0, limit)))
}

// MARK: - Lock

/// A first-come-first-served async lock: `acquire` returns once every earlier holder released.
private final class SerialLock: Sendable {
    private let queue = Mutex<(held: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let granted = queue.withLock { queue -> Bool in
                guard queue.held else {
                    queue.held = true
                    return true
                }
                queue.waiters.append(waiter)
                return false
            }
            if granted { waiter.resume() }
        }
    }

    /// Hands the lock to the longest waiter, or frees it.
    func release() {
        let next = queue.withLock { queue -> CheckedContinuation<Void, Never>? in
            guard !queue.waiters.isEmpty else {
                queue.held = false
                return nil
            }
            return queue.waiters.removeFirst()
        }
        next?.resume()
    }
}
