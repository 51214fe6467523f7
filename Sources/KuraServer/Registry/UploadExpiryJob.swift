// kura — a self-hosted encrypted container registry.
// UploadExpiryJob: deletes upload sessions abandoned longer than `registry.uploadExpiry`.

import Foundation
import KuraRegistry
import KuraStorage
import Logging
import ServiceLifecycle

/// Runs until shutdown, once at start and then every `interval`: every upload session started
/// more than `expiry` ago goes, with its parts, so abandoned pushes never fill the disk.
struct UploadExpiryJob: Service {
    let uploads: UploadService
    let expiry: Duration
    let logger: Logger

    /// A tenth of the expiry, at most an hour.
    var interval: Duration { min(expiry / 10, .seconds(3600)) }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await expireOnce()
            } catch {
                logger.warning("upload expiry pass failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func expireOnce(now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async throws {
        let cutoff = now - expiry.components.seconds * 1000 - expiry.components.attoseconds / 1_000_000_000_000_000
        for upload in try await uploads.expire(startedBefore: cutoff) {
            logger.info("expired upload \(upload.id) of \(upload.repository) (\(upload.size) bytes, started \(upload.createdAt))")
        }
    }
}
