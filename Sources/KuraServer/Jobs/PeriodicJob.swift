// kura — a self-hosted encrypted container registry.
// PeriodicJob: a background pass run at start and then every interval, until shutdown.

import Logging
import ServiceLifecycle

/// A service that runs one pass at start and then every `interval` until graceful shutdown; a
/// failed pass is logged and the next one runs on time.
protocol PeriodicJob: Service {
    var interval: Duration { get }
    var logger: Logger { get }
    /// Names the job in the log line of a failed pass.
    var activity: String { get }
    func runOnce() async throws
}

extension PeriodicJob {
    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await runOnce()
            } catch {
                logger.warning("\(activity) pass failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
