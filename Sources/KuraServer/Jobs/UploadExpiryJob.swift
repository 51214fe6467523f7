// kura — a self-hosted encrypted container registry.
// UploadExpiryJob: deletes upload sessions abandoned longer than `registry.uploadExpiry`.

import Foundation
import KuraRegistry
import Logging
import ServiceLifecycle

/// Runs until shutdown, once at start and then every `interval`: every upload session started
/// more than `expiry` ago goes, with its parts, so abandoned pushes never fill the disk.
struct UploadExpiryJob: PeriodicJob {
    let uploads: UploadService
    let expiry: Duration
    let logger: Logger

    /// A tenth of the expiry, at most an hour.
    var interval: Duration { min(expiry / 10, .seconds(3600)) }
    var activity: String { "upload expiry" }

    func runOnce() async throws {
        for upload in try await uploads.expire(olderThan: expiry) {
            logger.info("expired upload \(upload.id) of \(upload.repository) (\(upload.size) bytes, started \(upload.createdAt))")
        }
    }
}
