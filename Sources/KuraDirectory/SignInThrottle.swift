// kura — a self-hosted encrypted container registry.
// SignInThrottle: backoff after repeated wrong passwords, per user principal name.

import KuraCore
import Synchronization

/// Counts each sign-in name's consecutive failures (on this node): after
/// ``freeFailures`` wrong passwords, the name is locked for 2, 4, 8… seconds — at most
/// ``longestLock`` — from the last failure, so a guesser gets a handful of tries a minute while a
/// person who mistypes waits seconds. A success clears the count. Also bounds the password
/// checks running at once.
final class SignInThrottle: Sendable {
    static let freeFailures = 5
    /// Milliseconds.
    static let longestLock: Int64 = 15 * 60 * 1000
    /// Names tracked at most (the oldest are forgotten past it, so failures cannot fill memory).
    static let trackedNames = 10_000
    private let failures = Mutex<[String: (count: Int, last: Int64)]>([:])
    /// Password checks running at once, at most: each takes 32 MiB and tens of milliseconds of
    /// scrypt, and anyone may ask for one.
    static let concurrentChecks = 8
    private let checking = Mutex(0)

    /// Takes a slot for a password check; false when all are taken.
    func beginCheck() -> Bool {
        checking.withLock { running in
            guard running < Self.concurrentChecks else { return false }
            running += 1
            return true
        }
    }

    func endCheck() {
        checking.withLock { $0 -= 1 }
    }

    /// When the name is locked, the Unix milliseconds it is locked until; nil when it may try now.
    func lockedUntil(_ name: String, now: Int64) -> Int64? {
        guard let entry = failures.withLock({ $0[name.lowercased()] }), entry.count >= Self.freeFailures else { return nil }
        let until = entry.last + Self.lock(afterFailures: entry.count)
        return until > now ? until : nil
    }

    func failed(_ name: String, now: Int64) {
        failures.withLock { failures in
            if failures.count >= Self.trackedNames, failures[name.lowercased()] == nil,
               let oldest = failures.min(by: { $0.value.last < $1.value.last })?.key {
                failures[oldest] = nil
            }
            failures[name.lowercased(), default: (0, now)].count += 1
            failures[name.lowercased()]?.last = now
        }
    }

    func succeeded(_ name: String) {
        _ = failures.withLock { $0.removeValue(forKey: name.lowercased()) }
    }

    /// 2 s after the fifth failure, doubling with each, at most ``longestLock``.
    static func lock(afterFailures count: Int) -> Int64 {
        let doublings = min(count - freeFailures, 20)
        return min(longestLock, 2000 << doublings)
    }
}
