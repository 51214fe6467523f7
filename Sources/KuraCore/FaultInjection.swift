// kura — a self-hosted encrypted container registry.
// FaultInjection: named crash points for crash-consistency tests (debug builds only).

import Foundation

/// Named points between two durable steps where a test may kill the process, as `kill -9` would
/// at the worst moment: `KURA_CRASH_AT=<name>` (or `<name>@<subject>`, to crash only for one
/// resource) in a debug build sends SIGKILL to the process when the point is reached. Release
/// builds compile every point to nothing.
public enum FaultInjection {
    /// Crashes here if `KURA_CRASH_AT` names this point, and `subject` when it names one (debug builds only).
    @inline(__always)
    public static func crashPoint(_ name: StaticString, subject: String = "") {
        #if DEBUG
        guard let wanted = ProcessInfo.processInfo.environment["KURA_CRASH_AT"] else { return }
        if wanted == "\(name)" || wanted == "\(name)@\(subject)" {
            kill(getpid(), SIGKILL)
        }
        #endif
    }
}
