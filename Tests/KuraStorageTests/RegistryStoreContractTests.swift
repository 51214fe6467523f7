import Foundation
import KuraCore
import KuraRegistry
import KuraStorage
import KuraTestSupport
import Synchronization
import Testing

/// Registries, their content (blobs, repositories, manifests, tags, collection) and uploads.
/// One contract, three implementations: every test runs against `MemoryRegistryStore`, and
/// `SQLMetadataStore` on SQLite (a temp file) and on PostgreSQL (a scratch database on the server
/// the test command starts; `DATABASE_URL` names it).
@Suite struct RegistryStoreContractTests {
    typealias Store = any RegistryStore & RegistryContentStore & UploadStore

    static func withStore(_ backend: StoreBackend, _ body: (Store) async throws -> Void) async throws {
        try await StoreContract.with(backend, memory: { MemoryRegistryStore() }, sql: { $0 }, body)
    }

    static func digest(_ byte: UInt8) -> ContentDigest { ContentDigest(algorithm: .sha256, bytes: [UInt8](repeating: byte, count: 32)) }

    static func registry(_ name: String, id: String = UUID().uuidString.lowercased(), key: [UInt8] = [1, 2, 3]) -> RegistryRecord {
        RegistryRecord(id: id, name: name, wrappedDataKey: key, keyGeneration: 1, createdAt: 1_700_000_000_000)
    }

    @Test(arguments: StoreBackend.allCases)
    func registryNamesMatchCaseInsensitivelyAndKeepTheirSpelling(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("MyRegistry")
            try await store.insertRegistry(registry)
            #expect(try await store.registry(named: "myregistry") == registry)
            #expect(try await store.registry(named: "MYREGISTRY")?.name == "MyRegistry")
            let error = await #expect(throws: StoreError.self) { try await store.insertRegistry(Self.registry("myREGISTRY")) }
            #expect(error?.code == .conflict)
            try await store.insertRegistry(Self.registry("another"))
            #expect(try await store.registries().map(\.name) == ["another", "MyRegistry"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func wrappedDataKeysChangeOnlyByCompareAndSwap(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            var registry = Self.registry("rotating", key: [1, 1, 1])
            let first = CustomerKeyBinding(keyIdentifier: "https://kv/keys/k", versionedKeyID: "https://kv/keys/k/v1", identityObjectID: "oid")
            registry.customerKey = first
            try await store.insertRegistry(registry)
            #expect(try await store.registry(named: "rotating")?.customerKey == first)
            let rotated = CustomerKeyBinding(keyIdentifier: "https://kv/keys/k", versionedKeyID: "https://kv/keys/k/v2", identityObjectID: "oid")
            try await store.replaceWrappedDataKey(registryID: registry.id, expected: [1, 1, 1], new: [2, 2, 2], customerKey: rotated)
            #expect(try await store.registry(named: "rotating")?.wrappedDataKey == [2, 2, 2])
            #expect(try await store.registry(named: "rotating")?.customerKey == rotated, "the binding changes with the key, atomically")
            let stale = await #expect(throws: StoreError.self) {
                try await store.replaceWrappedDataKey(registryID: registry.id, expected: [1, 1, 1], new: [3, 3, 3], customerKey: nil)
            }
            #expect(stale?.code == .preconditionFailed)
            #expect(try await store.registry(named: "rotating")?.wrappedDataKey == [2, 2, 2])
            let missing = await #expect(throws: StoreError.self) {
                try await store.replaceWrappedDataKey(registryID: "nope", expected: [2, 2, 2], new: [3, 3, 3], customerKey: nil)
            }
            #expect(missing?.code == .notFound)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func blobsAreRecordedOncePagedInDigestOrderAndScopedToTheirRegistry(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let first = Self.registry("first")
            let second = Self.registry("second")
            try await store.insertRegistry(first)
            try await store.insertRegistry(second)
            for byte in [UInt8(5), 1, 9, 3] {
                try await store.commitBlob(BlobRecord(registryID: first.id, digest: Self.digest(byte), size: Int64(byte), createdAt: 100),
                                           repository: "r", place: {})
            }
            try await store.commitBlob(BlobRecord(registryID: first.id, digest: Self.digest(5), size: 5, createdAt: 999), repository: "r", place: {})
            try await store.commitBlob(BlobRecord(registryID: second.id, digest: Self.digest(1), size: 1, createdAt: 100), repository: "r", place: {})

            #expect(try await store.blob(registryID: first.id, digest: Self.digest(5))?.createdAt == 100, "the first record is kept")
            let page1 = try await store.blobs(registryID: first.id, after: nil, limit: 2)
            #expect(page1.map(\.digest) == [Self.digest(1), Self.digest(3)])
            let page2 = try await store.blobs(registryID: first.id, after: page1.last?.digest, limit: 2)
            #expect(page2.map(\.digest) == [Self.digest(5), Self.digest(9)])
            #expect(try await store.blobs(registryID: first.id, after: Self.digest(9), limit: 2).isEmpty)

            // Unlinked at 50: a candidate only for a cutoff after 50, collected once, its bytes removed before the commit.
            #expect(try await store.unlinkBlob(registryID: first.id, repository: "r", digest: Self.digest(1), at: 50))
            #expect(try await !store.collectBlob(registryID: first.id, digest: Self.digest(1), unreferencedBefore: 50, remove: {}))
            #expect(try await store.collectableBlobs(unreferencedBefore: 51, limit: 10).map(\.digest) == [Self.digest(1)])
            let removals = Mutex(0)
            #expect(try await store.collectBlob(registryID: first.id, digest: Self.digest(1), unreferencedBefore: 51,
                                                remove: { removals.withLock { $0 += 1 } }))
            #expect(try await !store.collectBlob(registryID: first.id, digest: Self.digest(1), unreferencedBefore: 51, remove: {}))
            #expect(removals.withLock { $0 } == 1)
            #expect(try await store.blob(registryID: first.id, digest: Self.digest(1)) == nil)
            #expect(try await store.blob(registryID: second.id, digest: Self.digest(1)) != nil, "other registries are untouched")
            // A removal that fails leaves the record for the next pass.
            #expect(try await store.unlinkBlob(registryID: first.id, repository: "r", digest: Self.digest(3), at: 50))
            await #expect(throws: StoreError.self) {
                try await store.collectBlob(registryID: first.id, digest: Self.digest(3), unreferencedBefore: 51,
                                            remove: { throw StoreError(.unavailable, "disk") })
            }
            #expect(try await store.blob(registryID: first.id, digest: Self.digest(3)) != nil)

            #expect(try await store.deleteRegistry(id: first.id))
            #expect(try await !store.deleteRegistry(id: first.id))
            #expect(try await store.blobs(registryID: first.id, after: nil, limit: 10).isEmpty)
            #expect(try await store.registry(named: "first") == nil)
            #expect(try await store.blobs(registryID: second.id, after: nil, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentWritersAllLand(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("busy")
            try await store.insertRegistry(registry)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for byte in 0..<64 {
                    group.addTask {
                        try await store.commitBlob(BlobRecord(registryID: registry.id, digest: Self.digest(UInt8(byte)),
                                                              size: Int64(byte), createdAt: 1), repository: "r\(byte % 4)", place: {})
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.blobs(registryID: registry.id, after: nil, limit: 100).count == 64)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func blobsAreLinkedPerRepositoryAndStayWhileReferenced(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("content")
            try await store.insertRegistry(registry)
            let missing = await #expect(throws: StoreError.self) {
                try await store.linkBlob(registryID: registry.id, repository: "a/b", digest: Self.digest(1))
            }
            #expect(missing?.code == .notFound)
            try await store.commitBlob(BlobRecord(registryID: registry.id, digest: Self.digest(1), size: 10, createdAt: 1), repository: "a/b",
                                       place: {})
            try await store.linkBlob(registryID: registry.id, repository: "a/b", digest: Self.digest(1))
            #expect(try await store.linkedBlob(registryID: registry.id, repository: "a/b", digest: Self.digest(1))?.size == 10)
            #expect(try await store.linkedBlob(registryID: registry.id, repository: "other", digest: Self.digest(1)) == nil)
            #expect(try await store.repositoryExists(registryID: registry.id, name: "a/b"))
            #expect(try await !store.repositoryExists(registryID: registry.id, name: "a"))

            let manifest = ManifestRecord(registryID: registry.id, digest: Self.digest(9), mediaType: "application/vnd.oci.image.manifest.v1+json",
                                          size: 100, createdAt: 5)
            try await store.commitBlob(BlobRecord(registryID: registry.id, digest: Self.digest(9), size: 100, createdAt: 1), repository: "c",
                                       place: {})
            let absent = await #expect(throws: StoreError.self) {
                try await store.commitManifest(manifest, references: [ManifestReference(digest: Self.digest(2), kind: .blob)],
                                               repository: "a/b", tags: [], requireBlobs: true, place: {})
            }
            #expect(absent?.code == .notFound, "a manifest needing an unrecorded blob is refused")
            try await store.commitManifest(manifest, references: [ManifestReference(digest: Self.digest(1), kind: .blob)],
                                           repository: "a/b", tags: [], requireBlobs: true, place: {})
            #expect(try await store.unlinkBlob(registryID: registry.id, repository: "a/b", digest: Self.digest(1), at: 10))
            #expect(try await !store.unlinkBlob(registryID: registry.id, repository: "a/b", digest: Self.digest(1), at: 10))
            #expect(try await store.collectableBlobs(unreferencedBefore: .max, limit: 10).isEmpty, "a manifest still references it")
            #expect(try await store.unlinkManifest(registryID: registry.id, repository: "a/b", digest: Self.digest(9), at: 20))
            #expect(try await store.collectableBlobs(unreferencedBefore: .max, limit: 10).map(\.digest) == [Self.digest(1)],
                    "the manifest went with its last link, and with it the reference")
            try await store.linkBlob(registryID: registry.id, repository: "c", digest: Self.digest(1))
            #expect(try await store.collectableBlobs(unreferencedBefore: .max, limit: 10).isEmpty, "a new link revives it")
            #expect(try await store.repositories(registryID: registry.id, after: nil, limit: 10) == ["a/b", "c"])
            #expect(try await store.repositories(registryID: registry.id, after: "a/b", limit: 10) == ["c"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func manifestsTagsAndReferrers(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("manifests")
            try await store.insertRegistry(registry)
            func manifest(_ byte: UInt8, subject: ContentDigest? = nil, type: String? = nil) -> ManifestRecord {
                ManifestRecord(registryID: registry.id, digest: Self.digest(byte), mediaType: "application/vnd.oci.image.manifest.v1+json",
                               size: Int64(byte), artifactType: type, subject: subject, annotations: #"{"k":"v"}"#, createdAt: 7)
            }
            try await store.commitManifest(manifest(1), references: [], repository: "r", tags: ["latest"], requireBlobs: true, place: {})
            try await store.commitManifest(manifest(2, subject: Self.digest(1), type: "sbom"), references: [], repository: "r", tags: [], requireBlobs: true, place: {})
            try await store.commitManifest(manifest(3, subject: Self.digest(1), type: "sig"), references: [], repository: "elsewhere", tags: [], requireBlobs: true, place: {})
            #expect(try await store.manifest(registryID: registry.id, repository: "r", digest: Self.digest(2)) == manifest(2, subject: Self.digest(1), type: "sbom"))
            #expect(try await store.manifest(registryID: registry.id, repository: "r", digest: Self.digest(3)) == nil)
            #expect(try await store.tag(registryID: registry.id, repository: "r", name: "latest")?.digest == Self.digest(1))

            try await store.commitManifest(manifest(2, subject: Self.digest(1), type: "sbom"), references: [], repository: "r", tags: ["latest"], requireBlobs: true, place: {})
            #expect(try await store.tag(registryID: registry.id, repository: "r", name: "latest")?.digest == Self.digest(2), "a tag moves")
            try await store.commitManifest(manifest(1), references: [], repository: "r", tags: ["old"], requireBlobs: true, place: {})
            #expect(try await store.tags(registryID: registry.id, repository: "r", after: nil, limit: 10).map(\.name) == ["latest", "old"])
            #expect(try await store.tags(registryID: registry.id, repository: "r", after: "latest", limit: 10).map(\.name) == ["old"])

            #expect(try await store.referrers(registryID: registry.id, repository: "r", subject: Self.digest(1)).map(\.digest) == [Self.digest(2)])
            #expect(try await store.referrers(registryID: registry.id, repository: "elsewhere", subject: Self.digest(1)).map(\.artifactType) == ["sig"])

            #expect(try await store.deleteTag(registryID: registry.id, repository: "r", name: "old"))
            #expect(try await !store.deleteTag(registryID: registry.id, repository: "r", name: "old"))
            #expect(try await store.manifest(registryID: registry.id, repository: "r", digest: Self.digest(1)) != nil)
            #expect(try await store.unlinkManifest(registryID: registry.id, repository: "r", digest: Self.digest(2), at: 1))
            #expect(try await store.tag(registryID: registry.id, repository: "r", name: "latest") == nil, "its tags went with it")
            #expect(try await !store.unlinkManifest(registryID: registry.id, repository: "r", digest: Self.digest(2), at: 1))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func uploadsStartedBeforeACutoffComeOldestFirst(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("expiry")
            try await store.insertRegistry(registry)
            for (id, time) in [("c", 300), ("a", 100), ("b", 200), ("d", 400)] as [(String, Int64)] {
                try await store.insertUpload(UploadRecord(id: id, registryID: registry.id, repository: "r", createdAt: time))
            }
            #expect(try await store.uploads(startedBefore: 300, limit: 10).map(\.id) == ["a", "b"], "strictly before the cutoff")
            #expect(try await store.uploads(startedBefore: 1_000, limit: 3).map(\.id) == ["a", "b", "c"])
            #expect(try await store.uploads(startedBefore: 100, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func repositoryManifestsCarryTagsAndSizesAndARepositoryDeletesWhole(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("repositories")
            try await store.insertRegistry(registry)
            for (byte, size) in [(1, 1_000), (2, 20), (3, 5_000_000_000)] as [(UInt8, Int64)] {
                try await store.commitBlob(BlobRecord(registryID: registry.id, digest: Self.digest(byte), size: size, createdAt: 1),
                                           repository: "app", place: {})
            }
            func manifest(_ byte: UInt8, at time: Int64) -> ManifestRecord {
                ManifestRecord(registryID: registry.id, digest: Self.digest(byte), mediaType: "application/vnd.oci.image.manifest.v1+json",
                               size: 500, createdAt: time, os: byte == 0xA0 ? "linux" : nil, architecture: byte == 0xA0 ? "arm64" : nil)
            }
            try await store.commitManifest(manifest(0xA0, at: 10), references: [ManifestReference(digest: Self.digest(1), kind: .blob),
                                                                                   ManifestReference(digest: Self.digest(3), kind: .blob)],
                                           repository: "app", tags: ["v1"], requireBlobs: true, place: {})
            try await store.commitManifest(manifest(0xA0, at: 10), references: [], repository: "app", tags: ["stable"], requireBlobs: true,
                                           place: {})
            try await store.commitManifest(manifest(0xB0, at: 20), references: [ManifestReference(digest: Self.digest(2), kind: .blob),
                                                                                   ManifestReference(digest: Self.digest(0xA0), kind: .manifest)],
                                           repository: "app", tags: [], requireBlobs: true, place: {})
            try await store.commitManifest(manifest(0xA0, at: 10), references: [], repository: "other", tags: ["v1"], requireBlobs: true,
                                           place: {})

            let listed = try await store.repositoryManifests(registryID: registry.id, repository: "app", after: nil, limit: 10)
            #expect(listed.map(\.manifest.digest) == [Self.digest(0xA0), Self.digest(0xB0)])
            #expect(listed[0].tags == ["stable", "v1"] && listed[1].tags == [])
            #expect(listed[0].manifest.os == "linux" && listed[0].manifest.architecture == "arm64" && listed[1].manifest.os == nil)
            #expect(listed[0].referencedBlobSize == 5_000_001_000, "sizes past 32 bits sum exactly")
            #expect(listed[1].referencedBlobSize == 20, "child manifests are not counted as blobs")
            #expect(try await store.repositoryManifests(registryID: registry.id, repository: "app", after: Self.digest(0xA0), limit: 10)
                .map(\.manifest.digest) == [Self.digest(0xB0)])
            #expect(try await store.repositoryManifests(registryID: registry.id, repository: "app", after: nil, limit: 1).count == 1)
            #expect(try await store.repositoryManifests(registryID: registry.id, repository: "none", after: nil, limit: 10).isEmpty)

            let deleted = try await store.deleteRepository(registryID: registry.id, name: "app", at: 30)
            #expect(deleted == RepositoryDeletion(manifests: [Self.digest(0xA0), Self.digest(0xB0)], tags: ["stable", "v1"],
                                                  blobs: [Self.digest(1), Self.digest(2), Self.digest(3)]))
            #expect(try await !store.repositoryExists(registryID: registry.id, name: "app"))
            #expect(try await store.tags(registryID: registry.id, repository: "app", after: nil, limit: 10).isEmpty)
            #expect(try await store.deleteRepository(registryID: registry.id, name: "app", at: 30) == nil)
            #expect(try await store.tag(registryID: registry.id, repository: "other", name: "v1")?.digest == Self.digest(0xA0),
                    "another repository keeps what it links")
            #expect(try await store.collectableBlobs(unreferencedBefore: .max, limit: 10).map(\.digest) == [Self.digest(2)],
                    "blob 2 went with the manifest only app linked; 1 and 3 stay for the manifest other links")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func uploadPartsAppendInOrderOnly(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("uploads")
            try await store.insertRegistry(registry)
            let upload = UploadRecord(id: UUID().uuidString.lowercased(), registryID: registry.id, repository: "r", createdAt: 3)
            try await store.insertUpload(upload)
            #expect(try await store.upload(id: upload.id) == upload)
            let first = try await store.appendUploadPart(uploadID: upload.id, expectedSize: 0,
                                                         part: UploadPartRecord(number: 1, size: 100, digest: Self.digest(1)))
            #expect(first.size == 100 && first.partCount == 1)
            let stale = await #expect(throws: StoreError.self) {
                _ = try await store.appendUploadPart(uploadID: upload.id, expectedSize: 0,
                                                     part: UploadPartRecord(number: 2, size: 50, digest: Self.digest(2)))
            }
            #expect(stale?.code == .preconditionFailed)
            _ = try await store.appendUploadPart(uploadID: upload.id, expectedSize: 100, part: UploadPartRecord(number: 2, size: 50, digest: Self.digest(2)))
            #expect(try await store.uploadParts(uploadID: upload.id).map(\.size) == [100, 50])
            #expect(try await store.upload(id: upload.id)?.size == 150)
            let gone = await #expect(throws: StoreError.self) {
                _ = try await store.appendUploadPart(uploadID: "nope", expectedSize: 0, part: UploadPartRecord(number: 1, size: 1, digest: Self.digest(1)))
            }
            #expect(gone?.code == .notFound)
            #expect(try await store.deleteUpload(id: upload.id))
            #expect(try await store.upload(id: upload.id) == nil)
            #expect(try await store.uploadParts(uploadID: upload.id).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func deletingARegistryDeletesEverythingRecordedUnderIt(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let registry = Self.registry("doomed")
            try await store.insertRegistry(registry)
            try await store.commitBlob(BlobRecord(registryID: registry.id, digest: Self.digest(1), size: 1, createdAt: 1), repository: "r", place: {})
            try await store.commitManifest(ManifestRecord(registryID: registry.id, digest: Self.digest(2), mediaType: "m", size: 1, createdAt: 1),
                                           references: [ManifestReference(digest: Self.digest(1), kind: .blob)], repository: "r", tags: ["t"],
                                           requireBlobs: true, place: {})
            let upload = UploadRecord(id: UUID().uuidString.lowercased(), registryID: registry.id, repository: "r", createdAt: 1)
            try await store.insertUpload(upload)
            _ = try await store.appendUploadPart(uploadID: upload.id, expectedSize: 0, part: UploadPartRecord(number: 1, size: 1, digest: Self.digest(3)))
            #expect(try await store.deleteRegistry(id: registry.id))
            #expect(try await store.upload(id: upload.id) == nil)
            #expect(try await store.repositories(registryID: registry.id, after: nil, limit: 10).isEmpty)
            #expect(try await store.tag(registryID: registry.id, repository: "r", name: "t") == nil)
            #expect(try await store.blob(registryID: registry.id, digest: Self.digest(1)) == nil)
            try await store.insertRegistry(Self.registry("doomed"))
        }
    }
}
