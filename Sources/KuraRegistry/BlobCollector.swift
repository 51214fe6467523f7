// kura — a self-hosted encrypted container registry.
// BlobCollector: deletes the bytes of blobs nothing has needed for the grace period.

public import KuraCore
public import KuraStorage

/// Online garbage collection of blobs (docs/garbage-collection.md). Deleting a blob link, a
/// manifest or a repository only marks the blobs nothing needs any more; a pass here deletes the
/// record and the bytes of each blob marked longer than the grace period ago, one blob at a time
/// and only if it is still unneeded — a push, mount or manifest that needs it again in the
/// meantime revives it. Passes may run concurrently (on one node or many).
public struct BlobCollector: Sendable {
    let metadata: any MetadataStore
    let blobs: EncryptedBlobStore
    /// How long a blob stays unreferenced before its bytes go.
    public let grace: Duration

    public init(metadata: any MetadataStore, blobs: EncryptedBlobStore, grace: Duration) {
        self.metadata = metadata
        self.blobs = blobs
        self.grace = grace
    }

    /// One pass over every blob unreferenced since before `now` − grace.
    /// - Parameter now: Unix milliseconds (tests pass a clock of their own).
    /// - Returns: the blobs whose bytes were deleted.
    @discardableResult
    public func collect(now: Int64) async throws -> [(registryID: String, digest: ContentDigest)] {
        let cutoff = now - RegistryKeyring.milliseconds(grace)
        var collected: [(registryID: String, digest: ContentDigest)] = []
        var seen = Set<String>()
        while true {
            let batch = try await metadata.collectableBlobs(unreferencedBefore: cutoff, limit: 100)
                .filter { seen.insert($0.registryID + "/" + $0.digest.description).inserted }
            for candidate in batch {
                let blobs = self.blobs
                // One blob that cannot be removed now (its record stays, the next pass retries)
                // does not stop the others.
                let removed = (try? await metadata.collectBlob(registryID: candidate.registryID, digest: candidate.digest,
                                                               unreferencedBefore: cutoff) {
                    try await blobs.delete(candidate.digest, registryID: candidate.registryID)
                }) ?? false
                if removed { collected.append(candidate) }
            }
            if batch.isEmpty { return collected }
        }
    }
}
