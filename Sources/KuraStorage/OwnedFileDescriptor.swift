// kura — a self-hosted encrypted container registry.
// OwnedFileDescriptor: a file descriptor that is closed exactly once.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor closed exactly once: by ``close()``, or when dropped on any path that did
/// not close it. After the first close the number is never passed to `close(2)` again, so a
/// number the kernel has meanwhile given to another file (another request's, SQLite's) is never
/// closed by mistake.
///
/// `@unchecked Sendable`: `isOpen` is guarded by `lock`; `raw` is immutable.
final class OwnedFileDescriptor: @unchecked Sendable {
    /// The descriptor, valid until ``close()``.
    let raw: Int32
    private var isOpen = true
    private let lock = NSLock()

    /// Takes ownership of an open descriptor (`raw >= 0`).
    init(_ raw: Int32) { self.raw = raw }

    /// Closes the descriptor; `close(2)`'s result the first time, 0 on later calls.
    @discardableResult
    func close() -> Int32 {
        lock.withLock {
            guard isOpen else { return 0 }
            isOpen = false
            return Glibc.close(raw)
        }
    }

    deinit {
        if isOpen { _ = Glibc.close(raw) }
    }
}
