// kura — a self-hosted encrypted container registry.
// PasswordChecks: scrypt work run off Swift's shared threads, a few at a time.

import Dispatch
import KuraCrypto
import Synchronization

/// Hashes and checks passwords (``PasswordHash``: 32 MiB and tens of milliseconds each) on a
/// queue of their own, so a burst of sign-ins never occupies the threads every plane's requests
/// run on, and at most ``concurrent`` at once: anyone may ask for a check, so more are refused
/// (503 `temporarily_unavailable`) rather than queued without bound.
final class PasswordChecks: Sendable {
    static let concurrent = 4
    private let running = Mutex(0)
    private let queue = DispatchQueue(label: "kura.password-checks", attributes: .concurrent)

    /// Whether `password` matches `stored`.
    func verify(_ password: String, against stored: String) async throws(DirectoryError) -> Bool {
        try await run { PasswordHash.verify(password, against: stored) }
    }

    /// `password`'s stored form.
    func hash(_ password: String) async throws -> String {
        guard let hashed = try await run({ try? PasswordHash.make(password) }) else {
            throw DirectoryError(.temporarilyUnavailable, "The password could not be hashed; try again.")
        }
        return hashed
    }

    /// `work` on the queue, holding one of the ``concurrent`` slots.
    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws(DirectoryError) -> T {
        let taken = running.withLock { running in
            guard running < Self.concurrent else { return false }
            running += 1
            return true
        }
        guard taken else { throw DirectoryError(.temporarilyUnavailable, "Too many sign-ins are being checked at once; try again in a moment.") }
        defer { running.withLock { $0 -= 1 } }
        return await withCheckedContinuation { continuation in queue.async { continuation.resume(returning: work()) } }
    }
}
