// kura — a self-hosted encrypted container registry.
// SignInThrottle: backoff after repeated wrong passwords, per user principal name.

import KuraCore
import Synchronization

/// Counts each sign-in name's consecutive failures (on this node): after ``freeFailures`` wrong
/// passwords, the name is locked for 2, 4, 8… seconds — at most ``longestLock`` — from the last
/// failure, so a guesser gets a handful of tries a minute while a person who mistypes waits
/// seconds. An attempt counts as a failure *before* its password is checked (and is cleared by a
/// success), so guesses sent together cannot all pass the lock. Unknown names are counted like
/// known ones, so the lock says nothing about which names exist.
final class SignInThrottle: Sendable {
    static let freeFailures = 5
    /// Milliseconds.
    static let longestLock: Int64 = 15 * 60 * 1000
    /// Names tracked at most: past it, only names no longer locked are forgotten, and while every
    /// tracked name is locked a new name's attempt is refused (so a flood of names cannot unlock one).
    static let trackedNames = 10_000
    private let failures = Mutex<[String: (count: Int, last: Int64)]>([:])

    /// Why an attempt may not be made now.
    enum Refusal: Error {
        /// Locked until these Unix milliseconds.
        case locked(until: Int64)
        /// Every tracked name is locked.
        case full
    }

    /// Counts an attempt for `name` (as a failure until ``succeeded(_:)`` clears it).
    /// - Throws: ``Refusal`` when the name is locked, or no name can be tracked.
    func attempt(_ name: String, now: Int64) throws(Refusal) {
        let key = name.lowercased()
        let refusal: Refusal? = failures.withLock { failures in
            if let entry = failures[key], entry.count >= Self.freeFailures {
                let until = entry.last + Self.lock(afterFailures: entry.count)
                if until > now { return .locked(until: until) }
            }
            if failures[key] == nil, failures.count >= Self.trackedNames {
                guard let forgettable = failures.first(where: { !Self.isLocked($0.value, now: now) })?.key else { return .full }
                failures[forgettable] = nil
            }
            failures[key, default: (0, now)].count += 1
            failures[key]?.last = now
            return nil
        }
        if let refusal { throw refusal }
    }

    func succeeded(_ name: String) {
        _ = failures.withLock { $0.removeValue(forKey: name.lowercased()) }
    }

    static func isLocked(_ entry: (count: Int, last: Int64), now: Int64) -> Bool {
        entry.count >= freeFailures && entry.last + lock(afterFailures: entry.count) > now
    }

    /// 2 s after the fifth failure, doubling with each, at most ``longestLock``.
    static func lock(afterFailures count: Int) -> Int64 {
        let doublings = min(count - freeFailures, 20)
        return min(longestLock, 2000 << doublings)
    }
}
