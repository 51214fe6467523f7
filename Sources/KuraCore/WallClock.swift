// kura — a self-hosted encrypted container registry.
// WallClock: where every time-based rule reads the time, so tests can move it.

public import Foundation
import Synchronization

/// The time as the rules see it: token expiry, customer-key checks and grace, upload expiry,
/// soft-delete retention, purge jobs, audit and record timestamps. The server reads
/// ``SystemClock``; tests inject a ``ManualClock`` and move it instead of sleeping.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

extension WallClock {
    /// The current time in Unix milliseconds (the unit of every stored timestamp).
    public var milliseconds: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still until moved (tests).
public final class ManualClock: WallClock {
    private let current: Mutex<Date>

    /// - Parameter start: the initial time (default: the real time when made).
    public init(_ start: Date = Date()) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.addingTimeInterval(Double(duration.milliseconds) / 1000) }
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// Unix-millisecond timestamps as ISO 8601 with milliseconds (`2026-12-04T22:54:52.123Z`), as ARM and ACR write them.
public enum Timestamp {
    /// `milliseconds` (Unix) as ISO 8601 with fractional seconds.
    public static func iso8601(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
