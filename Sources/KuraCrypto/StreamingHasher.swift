// kura — a self-hosted encrypted container registry.
// StreamingHasher: SHA-256 / SHA-512 over a stream of buffers.

import Crypto
public import KuraCore
public import NIOCore

/// Incremental digest of a byte stream in one of the OCI algorithms.
public struct StreamingHasher: Sendable {
    private enum State: Sendable {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State
    public let algorithm: ContentDigest.Algorithm

    public init(_ algorithm: ContentDigest.Algorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    public mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            switch state {
            case .sha256(var hasher):
                hasher.update(bufferPointer: bytes)
                state = .sha256(hasher)
            case .sha512(var hasher):
                hasher.update(bufferPointer: bytes)
                state = .sha512(hasher)
            }
        }
    }

    public func finalize() -> ContentDigest {
        switch state {
        case .sha256(let hasher): ContentDigest(algorithm: .sha256, bytes: hasher.finalize())
        case .sha512(let hasher): ContentDigest(algorithm: .sha512, bytes: hasher.finalize())
        }
    }
}
