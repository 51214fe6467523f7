import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraRegistry
import KuraStorage
import NIOCore
import Testing

/// KBF1 on disk: every kind of tampering is detected on read, and no plaintext of a failed
/// segment is ever returned.
@Suite struct EncryptedBlobStoreTests {
    static let segmentSize = 64

    struct Fixture {
        let directory: TemporaryDirectory
        let engine: EncryptedBlobStore
        let key: DataKey
        let plaintext: [UInt8]
        let digest: ContentDigest
        var file: String { directory.path + "/" + EncryptedBlobStore.path(registryID: key.registryID, digest: digest).rawValue }

        static func make(size: Int = 300) async throws -> Fixture {
            let directory = try TemporaryDirectory()
            let engine = EncryptedBlobStore(store: try await FileSystemBlobStore.open(root: directory.path),
                                            segmentSize: EncryptedBlobStoreTests.segmentSize)
            let key = DataKey.generate(registryID: UUID().uuidString.lowercased())
            let plaintext = patternBytes(size)
            let stored = try await engine.write(stream(plaintext, chunkSize: 50), dataKey: key)
            return Fixture(directory: directory, engine: engine, key: key, plaintext: plaintext, digest: stored.digest)
        }

        func stored() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file))) }
        func replace(with bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: file)) }

        /// Reads the whole blob; returns what was yielded before any error, and the error.
        func readAll(digest: ContentDigest? = nil) async -> (bytes: [UInt8], error: (any Error)?) {
            var bytes: [UInt8] = []
            do {
                let blob = try await engine.open(digest ?? self.digest, dataKey: key)
                for try await buffer in try await engine.read(blob) { bytes += buffer.readableBytesView }
                return (bytes, nil)
            } catch {
                return (bytes, error)
            }
        }
    }

    @Test func writesAndReadsBack() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.directory.remove() }
        #expect(fixture.digest == ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: fixture.plaintext)))
        let (bytes, error) = await fixture.readAll()
        #expect(error == nil)
        #expect(bytes == fixture.plaintext)
        #expect(try await fixture.engine.exists(fixture.digest, registryID: fixture.key.registryID))
    }

    @Test func everySingleByteFlipIsDetected() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.directory.remove() }
        let original = try fixture.stored()
        let stride = EncryptedBlobStoreTests.segmentSize + KBF1.tagSize
        var detected = 0
        for index in original.indices {
            var tampered = original
            tampered[index] ^= 0x01
            try fixture.replace(with: tampered)
            let (bytes, error) = await fixture.readAll()
            #expect(error != nil, "flip at byte \(index) was not detected")
            if error != nil { detected += 1 }
            // Only whole, authentic segments before the damaged one may have been returned.
            #expect(bytes == Array(fixture.plaintext.prefix(bytes.count)))
            #expect(bytes.count % EncryptedBlobStoreTests.segmentSize == 0)
            let body = index - KBF1.headerSize
            if body >= 0 && index < original.count - KBF1.trailerSize {
                #expect(bytes.count <= (body / stride) * EncryptedBlobStoreTests.segmentSize,
                        "plaintext of the damaged segment was returned (flip at \(index))")
            }
        }
        #expect(detected == original.count)
    }

    @Test func truncationAndExtensionAreDetected() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.directory.remove() }
        let original = try fixture.stored()
        for length in 0..<original.count {
            try fixture.replace(with: Array(original.prefix(length)))
            #expect(await fixture.readAll().error != nil, "truncation to \(length) bytes was not detected")
        }
        for extra in [1, 16, EncryptedBlobStoreTests.segmentSize + KBF1.tagSize] {
            try fixture.replace(with: original + [UInt8](repeating: 0, count: extra))
            #expect(await fixture.readAll().error != nil, "extension by \(extra) bytes was not detected")
            // Extending by duplicating real ciphertext is detected too.
            try fixture.replace(with: original + original[KBF1.headerSize..<(KBF1.headerSize + extra)])
            #expect(await fixture.readAll().error != nil)
        }
    }

    @Test func swappedSegmentsAreDetectedWithoutReturningTheirPlaintext() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.directory.remove() }
        let original = try fixture.stored()
        let stride = EncryptedBlobStoreTests.segmentSize + KBF1.tagSize
        let first = KBF1.headerSize + stride
        let second = first + stride
        var swapped = original
        swapped.replaceSubrange(first..<(first + stride), with: original[second..<(second + stride)])
        swapped.replaceSubrange(second..<(second + stride), with: original[first..<(first + stride)])
        try fixture.replace(with: swapped)
        let (bytes, error) = await fixture.readAll()
        #expect(error as? CryptoFailure != nil)
        #expect(bytes == Array(fixture.plaintext.prefix(EncryptedBlobStoreTests.segmentSize)), "only segment 0 is authentic")
    }

    @Test func aBlobRenamedToAnotherDigestIsDetected() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.directory.remove() }
        let other = try await fixture.engine.write(stream(patternBytes(100, seed: 7)), dataKey: fixture.key)
        let otherFile = fixture.directory.path + "/" + EncryptedBlobStore.path(registryID: fixture.key.registryID, digest: other.digest).rawValue
        try FileManager.default.removeItem(atPath: otherFile)
        try FileManager.default.moveItem(atPath: fixture.file, toPath: otherFile)
        let (bytes, error) = await fixture.readAll(digest: other.digest)
        #expect(error as? CryptoFailure != nil)
        #expect(bytes.isEmpty)
    }

    @Test func aBlobCopiedIntoAnotherRegistryDoesNotOpen() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.directory.remove() }
        let intruder = DataKey.generate(registryID: UUID().uuidString.lowercased())
        let target = fixture.directory.path + "/" + EncryptedBlobStore.path(registryID: intruder.registryID, digest: fixture.digest).rawValue
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.file, toPath: target)
        await #expect(throws: CryptoFailure.self) { _ = try await fixture.engine.open(fixture.digest, dataKey: intruder) }
    }

    @Test func aDeclaredDigestThatDoesNotMatchCommitsNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let engine = EncryptedBlobStore(store: try await FileSystemBlobStore.open(root: directory.path))
        let key = DataKey.generate(registryID: "r")
        let claimed = ContentDigest(algorithm: .sha256, bytes: [UInt8](repeating: 9, count: 32))
        await #expect(throws: KBF1WriteError.self) { _ = try await engine.write(stream(patternBytes(5000)), dataKey: key, expectedDigest: claimed) }
        #expect(try await !engine.exists(claimed, registryID: "r"))
        #expect(try await engine.store.list(prefix: BlobPath("registries")) == [])
    }

    @Test func aOneByteRangeInTheMiddleOfA64MiBBlobOpensOneSegment() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let engine = EncryptedBlobStore(store: try await FileSystemBlobStore.open(root: directory.path))
        let key = DataKey.generate(registryID: "big")
        let segment = patternBytes(1 << 20)
        let body = ByteStream(buffers: (0..<64).map { index in
            var copy = segment
            copy[0] = UInt8(index)
            return .init(bytes: copy)
        })
        let stored = try await engine.write(body, dataKey: key)
        #expect(stored.size == 64 << 20)
        let blob = try await engine.open(stored.digest, dataKey: key)
        let before = engine.statistics.segmentsOpened
        let middle = Int64(32 << 20) + 12345
        let byte = try await engine.read(blob, range: middle..<(middle + 1)).bytes()
        #expect(byte == [segment[12345]])
        #expect(engine.statistics.segmentsOpened - before == 1)
        let outside = await #expect(throws: BlobStoreError.self) { _ = try await engine.read(blob, range: (64 << 20)..<((64 << 20) + 1)) }
        #expect(outside?.code == .invalidRange)
    }
}
