import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraRegistry
import KuraStorage
import KuraTestSupport
import NIOCore
import Testing

/// Online collection never races a push (docs/garbage-collection.md), on both databases: clients
/// push the same layers into repositories of their own and delete the image again while a
/// collector with no grace period runs as fast as it can; every acknowledged image is read back
/// whole at once and at the end.
@Suite struct BlobCollectorTests {
    /// Layers every client pushes (so a blob stays while another repository links it) and one of
    /// each client's own (so it goes whenever its client has deleted the image).
    static let shared: [[UInt8]] = (0..<2).map { number in [UInt8](repeating: UInt8(number), count: 48 << 10) + Array("layer \(number)".utf8) }
    static func layers(of worker: Int) -> [[UInt8]] { shared + [Array("the layer of worker \(worker) ".utf8) + [UInt8](repeating: 7, count: 4096)] }

    static func digest(_ bytes: [UInt8]) -> ContentDigest { ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: bytes)) }

    struct Fixture {
        let service: RegistryService
        let collector: BlobCollector
        let registry: RegistryContext
        let blobs: EncryptedBlobStore
        let store: any RegistryContentStore
        /// The time of the service's marks and of the collector's passes.
        let clock: ManualClock

        /// One collection pass once the clock has moved past every mark made so far (grace zero).
        func collectEverythingUnneeded() async throws -> [(registryID: String, digest: ContentDigest)] {
            clock.advance(by: .milliseconds(1))
            return try await collector.collect()
        }
    }

    static func withFixture(_ backend: ScratchMetadataStore.Backend, _ body: (Fixture) async throws -> Void) async throws {
        try await ScratchMetadataStore.with(backend) { store, _ in
            let root = NSTemporaryDirectory() + "kura-gc-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: root) }
            let blobs = EncryptedBlobStore(store: try await FileSystemBlobStore.open(root: root))
            let key = DataKey.generate(registryID: UUID().uuidString.lowercased())
            let record = RegistryRecord(id: key.registryID, name: "gc", wrappedDataKey: [0], keyGeneration: key.generation, createdAt: 0)
            try await store.insertRegistry(record)
            let clock = ManualClock()
            try await body(Fixture(service: RegistryService(store: store, blobs: blobs, clock: clock),
                                   collector: BlobCollector(store: store, blobs: blobs, grace: .zero, clock: clock),
                                   registry: RegistryContext(record: record, dataKey: key), blobs: blobs, store: store, clock: clock))
        }
    }

    /// Pushes the layers and an image manifest naming them; returns the manifest's digest.
    static func pushImage(_ fixture: Fixture, repository: RepositoryName, layers: [[UInt8]]) async throws -> ContentDigest {
        var descriptors: [String] = []
        for layer in layers {
            let digest = Self.digest(layer)
            _ = try await fixture.service.putBlob(fixture.registry, repository: repository, digest: digest,
                                                  body: ByteStream(buffers: [ByteBuffer(bytes: layer)]))
            descriptors.append(#"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(digest)","size":\#(layer.count)}"#)
        }
        let config = Self.digest(layers[0])
        let manifest = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/octet-stream","digest":"\#(config)","size":\#(layers[0].count)},"layers":[\#(descriptors.joined(separator: ","))]}"#
        let (record, _) = try await fixture.service.putManifest(fixture.registry, repository: repository, reference: .tag(Tag("latest")!),
                                                                body: Array(manifest.utf8), contentType: "application/vnd.oci.image.manifest.v1+json")
        return record.digest
    }

    /// Every part of the image reads back whole from `repository`.
    static func expectWhole(_ fixture: Fixture, repository: RepositoryName, layers: [[UInt8]], manifest: ContentDigest,
                            _ comment: Comment) async throws {
        for layer in layers {
            let opened = try await fixture.service.openBlob(fixture.registry, repository: repository, digest: Self.digest(layer))
            let read = try await fixture.blobs.read(opened).collect(upTo: 1 << 20)
            #expect(Array(read.readableBytesView) == layer, comment)
        }
        let record = try #require(try await fixture.store.manifest(registryID: fixture.registry.id, repository: repository.value,
                                                                               digest: manifest), comment)
        _ = try await fixture.service.manifestBytes(fixture.registry, record)
    }

    @Test(arguments: ScratchMetadataStore.Backend.allCases)
    func collectionNeverLosesAnAcknowledgedPush(_ backend: ScratchMetadataStore.Backend) async throws {
        try await Self.withFixture(backend) { fixture in
            let workers = 4, rounds = 50  // 200 rounds in all
            let stop = ManagedAtomicFlag()
            let collected = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    var passes = 0, total = 0
                    while !stop.isSet || passes == 0 {
                        total += try await fixture.collectEverythingUnneeded().count
                        passes += 1
                    }
                    return total
                }
                for worker in 0..<workers {
                    group.addTask {
                        let repository = RepositoryName("gc/worker\(worker)")!
                        for round in 0..<rounds {
                            let manifest = try await Self.pushImage(fixture, repository: repository, layers: Self.layers(of: worker))
                            try await Self.expectWhole(fixture, repository: repository, layers: Self.layers(of: worker), manifest: manifest,
                                                       "worker \(worker) round \(round)")
                            guard round < rounds - 1 else { break }
                            try await fixture.service.deleteManifest(fixture.registry, repository: repository, reference: .digest(manifest))
                            for layer in Self.layers(of: worker) {
                                try await fixture.service.deleteBlob(fixture.registry, repository: repository, digest: Self.digest(layer))
                            }
                        }
                        return 0
                    }
                }
                var total = 0
                for _ in 0..<workers { total += try await group.next() ?? 0 }
                stop.set()
                total += try await group.next() ?? 0
                return total
            }
            #expect(collected > 0, "the collector ran against the pushes (it collected \(collected) blobs)")
            _ = try await fixture.collectEverythingUnneeded()
            for worker in 0..<workers {
                let repository = RepositoryName("gc/worker\(worker)")!
                let tag = try #require(try await fixture.store.tag(registryID: fixture.registry.id, repository: repository.value,
                                                                              name: "latest"))
                try await Self.expectWhole(fixture, repository: repository, layers: Self.layers(of: worker), manifest: tag.digest,
                                           "worker \(worker) at the end")
            }
        }
    }

    /// Deleted content leaves the disk once the grace period has passed — not before.
    @Test(arguments: ScratchMetadataStore.Backend.allCases)
    func unreferencedBlobsGoAfterTheGracePeriodOnly(_ backend: ScratchMetadataStore.Backend) async throws {
        try await Self.withFixture(backend) { fixture in
            let repository = RepositoryName("gc/once")!
            let manifest = try await Self.pushImage(fixture, repository: repository, layers: Self.layers(of: 0))
            try await fixture.service.deleteManifest(fixture.registry, repository: repository, reference: .digest(manifest))
            let digest = Self.digest(Self.layers(of: 0)[1])
            try await fixture.service.deleteBlob(fixture.registry, repository: repository, digest: digest)
            let graceful = BlobCollector(store: fixture.store, blobs: fixture.blobs, grace: .seconds(3600), clock: fixture.clock)
            fixture.clock.advance(by: .seconds(3599))
            #expect(try await graceful.collect().isEmpty, "within the grace period nothing goes")
            #expect(try await fixture.blobs.exists(digest, registryID: fixture.registry.id))
            fixture.clock.advance(by: .seconds(2))
            let collected = try await graceful.collect()
            #expect(collected.map(\.digest) == [digest])
            #expect(try await !fixture.blobs.exists(digest, registryID: fixture.registry.id))
            #expect(try await fixture.blobs.exists(Self.digest(Self.layers(of: 0)[0]), registryID: fixture.registry.id),
                    "a blob the repository still links stays")
        }
    }
}

/// A flag one task sets and others read.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
