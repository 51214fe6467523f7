// kura — a self-hosted encrypted container registry.
// BlobCollector: deletes the bytes of blobs nothing has needed for the grace period.

public import KuraCore

/// Online garbage collection of blobs (docs/garbage-collection.md). Deleting a blob link, a
/// manifest or a repository only marks the blobs nothing needs any more; a pass here deletes the
/// record and the bytes of each blob marked longer than the grace period ago, one blob at a time
/// and only if it is still unneeded — a push, mount or manifest that needs it again in the
/// meantime revives it. Passes may run concurrently (on one node or many).
public struct BlobCollector: Sendable {
    let store: any RegistryContentStore
    let blobs: EncryptedBlobStore
    /// How long a blob stays unreferenced before its bytes go.
    public let grace: Duration
    let clock: any WallClock

    public init(store: any RegistryContentStore, blobs: EncryptedBlobStore, grace: Duration, clock: any WallClock = SystemClock()) {
        self.store = store
        self.blobs = blobs
        self.grace = grace
        self.clock = clock
    }

    /// One pass over every blob unreferenced since before now − grace.
    /// - Returns: the blobs whose bytes were deleted.
    @discardableResult
    public func collect() async throws -> [(registryID: String, digest: ContentDigest)] {
        let cutoff = clock.milliseconds - grace.milliseconds
        var collected: [(registryID: String, digest: ContentDigest)] = []
        var seen = Set<String>()
        while true {
            let batch = try await store.collectableBlobs(unreferencedBefore: cutoff, limit: 100)
                .filter { seen.insert($0.registryID + "/" + $0.digest.description).inserted }
            for candidate in batch {
                let blobs = self.blobs
                // One blob that cannot be removed now (its record stays, the next pass retries)
                // does not stop the others.
                let removed = (try? await store.collectBlob(registryID: candidate.registryID, digest: candidate.digest,
                                                               unreferencedBefore: cutoff) {
                    try await blobs.delete(candidate.digest, registryID: candidate.registryID)
                }) ?? false
                if removed { collected.append(candidate) }
            }
            if batch.isEmpty { return collected }
        }
    }
}
