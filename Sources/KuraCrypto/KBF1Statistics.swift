// kura — a self-hosted encrypted container registry.
// KBF1Statistics: counters of segment work, for /metrics and for tests of ranged reads.

import Synchronization

/// Thread-safe counters of KBF1 segments sealed and opened by one engine.
public final class KBF1Statistics: Sendable {
    private let sealed = Atomic<Int>(0)
    private let opened = Atomic<Int>(0)

    public init() {}

    /// Segments sealed since creation.
    public var segmentsSealed: Int { sealed.load(ordering: .relaxed) }
    /// Segments opened (decrypted and authenticated, or refused) since creation.
    public var segmentsOpened: Int { opened.load(ordering: .relaxed) }

    func recordSegmentSealed() { sealed.add(1, ordering: .relaxed) }
    func recordSegmentOpened() { opened.add(1, ordering: .relaxed) }
}
