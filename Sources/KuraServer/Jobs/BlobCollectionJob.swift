// kura — a self-hosted encrypted container registry.
// BlobCollectionJob: runs the blob collector every tenth of the grace period, between 100 ms and a minute.

import Foundation
import KuraRegistry
import Logging
import ServiceLifecycle

/// Runs until shutdown, once at start and then every `interval`: the bytes of blobs nothing has
/// needed for `registry.blobCollectionGrace` are deleted (docs/garbage-collection.md).
struct BlobCollectionJob: PeriodicJob {
    let collector: BlobCollector
    let logger: Logger

    var interval: Duration { min(max(collector.grace / 10, .milliseconds(100)), .seconds(60)) }
    var activity: String { "blob collection" }

    func runOnce() async throws {
        let collected = try await collector.collect()
        for blob in collected { logger.info("collected blob \(blob.digest) of registry \(blob.registryID)") }
    }
}
