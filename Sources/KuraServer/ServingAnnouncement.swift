// kura — a self-hosted encrypted container registry.
// ServingAnnouncement: tells local clients where this data dir is served, once it is.

import Foundation
import KuraAPI
import KuraStorage
import Logging
import Synchronization

/// Writes `<data dir>/serving.json` (`{"url": …, "pid": …}`) when the last listener has bound, so
/// `kura login --local` finds the server without being told its port, and a script can wait for
/// the file instead of polling the port. The file is replaced durably on every start.
final class ServingAnnouncement: Sendable {
    let url: String
    let file: String
    let logger: Logger
    private let pending: Mutex<Int>

    init(url: String, file: String, listeners: Int, logger: Logger) {
        self.url = url
        self.file = file
        self.logger = logger
        self.pending = Mutex(listeners)
    }

    /// Called by each listener once it accepts connections; the last one writes the file.
    func listenerStarted() async {
        let remaining = pending.withLock { count in
            count -= 1
            return count
        }
        guard remaining == 0 else { return }
        do {
            try DurableFile.write(WireJSON.encode(ServingFile.of(url: url, pid: Int(ProcessInfo.processInfo.processIdentifier))), to: file)
        } catch {
            logger.warning("cannot write \(file): \(error)")
        }
    }
}
