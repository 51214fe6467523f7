// kura — a self-hosted encrypted container registry.
// Arrivals: counts calls, lets a test wait for them without sleeping, and can hold them.

import Synchronization

/// Counts events and lets a test wait, without sleeping, until so many have happened.
public final class Arrivals: Sendable {
    private let holds = Mutex<(remaining: Int, held: [CheckedContinuation<Void, Never>])>((0, []))

    private let state = Mutex<(count: Int, waiters: [(Int, CheckedContinuation<Void, Never>)])>((0, []))

    public var count: Int { state.withLock { $0.count } }

    public func arrive() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count += 1
            let count = state.count
            let ready = state.waiters.filter { $0.0 <= count }.map { $0.1 }
            state.waiters.removeAll { $0.0 <= count }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once `count` events have happened.
    public func reached(_ count: Int) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let already = state.withLock { state -> Bool in
                if state.count >= count { return true }
                state.waiters.append((count, waiter))
                return false
            }
            if already { waiter.resume() }
        }
    }

    public init() {}

    /// Holds the next `count` calls to ``pass()`` until ``release()``.
    public func hold(next count: Int) { holds.withLock { $0.remaining = count } }

    /// Lets every held call go on, and holds no more.
    public func release() {
        let held = holds.withLock { state -> [CheckedContinuation<Void, Never>] in
            let held = state.held
            state = (0, [])
            return held
        }
        for call in held { call.resume() }
    }

    /// Counts a call (``arrive()``) and, while calls are to be held, waits until ``release()``.
    public func pass() async {
        await withCheckedContinuation { (call: CheckedContinuation<Void, Never>) in
            let held = holds.withLock { state -> Bool in
                guard state.remaining > 0 else { return false }
                state.remaining -= 1
                state.held.append(call)
                return true
            }
            arrive()
            if !held { call.resume() }
        }
    }
}
