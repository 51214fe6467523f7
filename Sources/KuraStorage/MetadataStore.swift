// kura — a self-hosted encrypted container registry.
// MetadataStore: the durable records of every plane (SQLite embedded, PostgreSQL in a cluster).

public import KuraCore

/// A directory principal: a service principal (the bootstrap admin included) or a managed identity.
public struct PrincipalRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case servicePrincipal
        case managedIdentity
    }

    /// Directory object id (the token's `oid`).
    public var objectID: String
    /// Application (client) id (the token's `appid`); unique.
    public var appID: String
    public var displayName: String
    public var kind: Kind
    /// Salted hash of the client secret (``SecretHash``); nil for identities that have none.
    public var secretHash: String?
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64

    public init(objectID: String, appID: String, displayName: String, kind: Kind, secretHash: String?, createdAt: Int64) {
        self.objectID = objectID
        self.appID = appID
        self.displayName = displayName
        self.kind = kind
        self.secretHash = secretHash
        self.createdAt = createdAt
    }
}

/// A registry and its wrapped data key.
public struct RegistryRecord: Sendable, Equatable {
    /// Stable id (lowercase UUID); names the registry's objects in the blob store.
    public var id: String
    /// Name as created; matched case-insensitively.
    public var name: String
    /// The data key as stored: always service-key-wrapped (``DataKeyWrapper``), never plaintext.
    public var wrappedDataKey: [UInt8]
    public var keyGeneration: UInt32
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64

    public init(id: String, name: String, wrappedDataKey: [UInt8], keyGeneration: UInt32, createdAt: Int64) {
        self.id = id
        self.name = name
        self.wrappedDataKey = wrappedDataKey
        self.keyGeneration = keyGeneration
        self.createdAt = createdAt
    }
}

/// A committed blob of a registry.
public struct BlobRecord: Sendable, Equatable {
    public var registryID: String
    public var digest: ContentDigest
    /// Plaintext size in bytes.
    public var size: Int64
    /// First commit time, Unix milliseconds.
    public var createdAt: Int64

    public init(registryID: String, digest: ContentDigest, size: Int64, createdAt: Int64) {
        self.registryID = registryID
        self.digest = digest
        self.size = size
        self.createdAt = createdAt
    }
}

/// Why a metadata operation failed.
public struct MetadataStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A record with the same unique key exists.
        case conflict
        /// The record to change does not exist.
        case notFound
        /// A compare-and-swap found a different current value.
        case preconditionFailed
        /// The database refused or could not be reached.
        case unavailable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The metadata of kura, one protocol for SQLite and PostgreSQL (DESIGN §8). Every method is
/// atomic; the contract suite in `Tests/KuraStorageTests/MetadataStoreContractTests.swift` runs
/// against both implementations.
public protocol MetadataStore: Sendable {
    /// Applies pending schema migrations (idempotent); returns the schema version.
    @discardableResult func migrate() async throws -> Int

    /// - Throws: `.conflict` when the object id or app id exists.
    func insertPrincipal(_ principal: PrincipalRecord) async throws
    func principal(appID: String) async throws -> PrincipalRecord?
    func principal(objectID: String) async throws -> PrincipalRecord?
    /// All principals, by creation time then object id.
    func principals() async throws -> [PrincipalRecord]

    /// - Throws: `.conflict` when the id or the name (case-insensitively) is taken.
    func insertRegistry(_ registry: RegistryRecord) async throws
    /// Looks a registry up by name, case-insensitively.
    func registry(named name: String) async throws -> RegistryRecord?
    /// All registries, by name.
    func registries() async throws -> [RegistryRecord]
    /// Replaces the wrapped data key if it still equals `expected` (rotation is one such swap).
    /// - Throws: `.notFound`, `.preconditionFailed` when another writer changed it first.
    func replaceWrappedDataKey(registryID: String, expected: [UInt8], new: [UInt8]) async throws
    /// Deletes the registry and every blob record of it; returns whether it existed.
    @discardableResult func deleteRegistry(id: String) async throws -> Bool

    /// Records a committed blob; recording it again keeps the first record.
    func recordBlob(_ blob: BlobRecord) async throws
    func blob(registryID: String, digest: ContentDigest) async throws -> BlobRecord?
    /// Blobs of a registry in digest order, after `after` (exclusive), at most `limit`.
    func blobs(registryID: String, after: ContentDigest?, limit: Int) async throws -> [BlobRecord]
    /// - Returns: whether a record was deleted.
    @discardableResult func deleteBlob(registryID: String, digest: ContentDigest) async throws -> Bool

    /// Closes connections; the store is unusable afterwards.
    func close() async throws
}
