// kura — a self-hosted encrypted container registry.
// ByteStream: a pull-based, type-erased stream of buffers.

import KuraCore
public import NIOCore

/// A stream of byte buffers that produces the next buffer only when asked, so a slow consumer
/// holds a fast producer back (constant memory whatever the size). Streams that read from
/// storage are single-pass: iterate them once.
public struct ByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    /// Makes the pull function of one iteration; it returns nil at the end.
    private let makePull: @Sendable () -> (@Sendable () async throws -> ByteBuffer?)

    /// - Parameter makePull: called when iteration starts; the function it returns is called until it returns nil.
    public init(_ makePull: @escaping @Sendable () -> (@Sendable () async throws -> ByteBuffer?)) {
        self.makePull = makePull
    }

    /// A stream of the given buffers (for tests and small in-memory bodies).
    public init(buffers: [ByteBuffer]) {
        self.init {
            let remaining = LockedIterator(buffers)
            return { remaining.next() }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pull: makePull()) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pull: @Sendable () async throws -> ByteBuffer?
        public mutating func next() async throws -> ByteBuffer? { try await pull() }
    }
}

import Synchronization

/// An iterator over an array, safe to call from any task.
final class LockedIterator<Element: Sendable>: Sendable {
    private let state: Mutex<IndexingIterator<[Element]>>
    init(_ elements: [Element]) { state = Mutex(elements.makeIterator()) }
    func next() -> Element? { state.withLock { $0.next() } }
}

extension ByteStream {
    /// Wraps any sendable sequence of buffers; iterate the result once.
    public init<Source: AsyncSequence & Sendable>(_ source: Source) where Source.Element == ByteBuffer {
        self.init {
            let box = IteratorBox(source.makeAsyncIterator())
            return { try await box.next() }
        }
    }

    /// Reads the whole stream into one buffer; for small objects (headers, manifests) only.
    /// - Parameter limit: the most bytes accepted; more is an error.
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var all = ByteBuffer()
        for try await var chunk in self {
            guard all.readableBytes + chunk.readableBytes <= limit else {
                throw BlobStoreError(.io, "stream is larger than \(limit) bytes")
            }
            all.writeBuffer(&chunk)
        }
        return all
    }
}

/// Holds one iterator so a `@Sendable` pull function can advance it.
///
/// `@unchecked Sendable`: a ByteStream iteration is driven by one task at a time, so the iterator
/// is never advanced concurrently.
final class IteratorBox<Iterator: AsyncIteratorProtocol>: @unchecked Sendable where Iterator.Element == ByteBuffer {
    private var iterator: Iterator
    init(_ iterator: Iterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
