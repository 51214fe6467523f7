// kura — a self-hosted encrypted container registry.
// MetadataStore: the durable records of every plane (SQLite embedded, PostgreSQL in a cluster).

public import KuraCore

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

    // MARK: Principals

    /// - Throws: `.conflict` when the object id or app id exists.
    func insertPrincipal(_ principal: PrincipalRecord) async throws
    func principal(appID: String) async throws -> PrincipalRecord?
    func principal(objectID: String) async throws -> PrincipalRecord?
    /// All principals, by creation time then object id.
    func principals() async throws -> [PrincipalRecord]
    /// - Returns: whether the principal existed.
    @discardableResult func deletePrincipal(objectID: String) async throws -> Bool

    // MARK: Registries

    /// - Throws: `.conflict` when the id or the name (case-insensitively) is taken.
    func insertRegistry(_ registry: RegistryRecord) async throws
    /// Looks a registry up by name, case-insensitively.
    func registry(named name: String) async throws -> RegistryRecord?
    /// All registries, by name.
    func registries() async throws -> [RegistryRecord]
    /// Replaces the wrapped data key (and the customer-key binding with it) if the stored one still
    /// equals `expected`: a key rotation is one such atomic swap.
    /// - Throws: `.notFound`, `.preconditionFailed` when another writer changed it first.
    func replaceWrappedDataKey(registryID: String, expected: [UInt8], new: [UInt8], customerKey: CustomerKeyBinding?) async throws
    /// Replaces the registry's admin-user and anonymous-pull settings.
    /// - Throws: `.notFound`.
    func updateRegistrySettings(id: String, adminUserEnabled: Bool, sealedAdminPasswords: [UInt8]?, anonymousPullEnabled: Bool) async throws
    /// Deletes the registry and everything recorded under it; returns whether it existed.
    @discardableResult func deleteRegistry(id: String) async throws -> Bool

    // MARK: Blobs

    /// Places a blob's bytes (`place` moves them to their final path) and records and links the
    /// blob into `repository`, in one transaction holding the digest's lock; a blob recorded
    /// before keeps its first record and is needed again. See docs/garbage-collection.md.
    func commitBlob(_ blob: BlobRecord, repository: String, place: @escaping @Sendable () async throws -> Void) async throws
    func blob(registryID: String, digest: ContentDigest) async throws -> BlobRecord?
    /// Blobs of a registry in digest order, after `after` (exclusive), at most `limit`.
    func blobs(registryID: String, after: ContentDigest?, limit: Int) async throws -> [BlobRecord]
    /// Blobs unreferenced since before `cutoff` (Unix ms), oldest first: candidates for
    /// ``collectBlob(registryID:digest:unreferencedBefore:remove:)``.
    func collectableBlobs(unreferencedBefore cutoff: Int64, limit: Int) async throws -> [(registryID: String, digest: ContentDigest)]
    /// Deletes the blob's record if it is still unreferenced since before `cutoff`, with nothing
    /// linking or referencing it, and calls `remove` (delete the bytes) before committing.
    /// - Returns: whether it was collected.
    @discardableResult
    func collectBlob(registryID: String, digest: ContentDigest, unreferencedBefore cutoff: Int64,
                     remove: @escaping @Sendable () async throws -> Void) async throws -> Bool

    // MARK: Repositories

    /// Makes a recorded blob part of `repository` (creating the repository); idempotent. The blob
    /// is needed again from then on.
    /// - Throws: `.notFound` when the blob is not recorded (or was just collected).
    func linkBlob(registryID: String, repository: String, digest: ContentDigest) async throws
    /// The blob if it is part of `repository`.
    func linkedBlob(registryID: String, repository: String, digest: ContentDigest) async throws -> BlobRecord?
    /// Removes the blob from `repository`; a blob nothing else needs is marked unreferenced at
    /// `now` (Unix ms). Returns whether it was linked.
    @discardableResult func unlinkBlob(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool
    func repositoryExists(registryID: String, name: String) async throws -> Bool
    /// Repository names of a registry in order, after `after` (exclusive), at most `limit`.
    func repositories(registryID: String, after: String?, limit: Int) async throws -> [String]

    // MARK: Manifests and tags

    /// Commits a manifest into `repository` in one transaction: the manifest and its references
    /// (kept if already recorded), the repository link, and each of `tags` (moved if it existed);
    /// `place` puts the manifest's bytes at their final path inside it, under the digest's lock.
    /// The blobs it references are needed again from then on.
    /// - Throws: `.notFound` when `requireBlobs` and a referenced blob is not recorded.
    func commitManifest(_ manifest: ManifestRecord, references: [ManifestReference], repository: String,
                        tags: [String], requireBlobs: Bool, place: @escaping @Sendable () async throws -> Void) async throws
    /// The manifest if it is part of `repository`.
    func manifest(registryID: String, repository: String, digest: ContentDigest) async throws -> ManifestRecord?
    /// Removes the manifest and every tag pointing at it from `repository`; returns whether it was
    /// there. A manifest no repository links any more is dropped, and the blobs only it
    /// referenced are marked unreferenced at `now`.
    @discardableResult func unlinkManifest(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool
    func tag(registryID: String, repository: String, name: String) async throws -> TagRecord?
    /// Tags of a repository in lexical order, after `after` (exclusive), at most `limit`.
    func tags(registryID: String, repository: String, after: String?, limit: Int) async throws -> [TagRecord]
    /// - Returns: whether the tag existed.
    @discardableResult func deleteTag(registryID: String, repository: String, name: String) async throws -> Bool
    /// Manifests of `repository` whose `subject` is `subject`, in digest order.
    func referrers(registryID: String, repository: String, subject: ContentDigest) async throws -> [ManifestRecord]
    /// Manifests linked into `repository`, in digest order after `after` (exclusive), at most `limit`.
    func repositoryManifests(registryID: String, repository: String, after: ContentDigest?, limit: Int) async throws -> [RepositoryManifest]
    /// Removes a repository with its tags, manifest links and blob links in one transaction;
    /// manifests and blobs nothing else needs are dropped and marked unreferenced at `now`.
    /// - Returns: what it held, or nil when it did not exist.
    func deleteRepository(registryID: String, name: String, at now: Int64) async throws -> RepositoryDeletion?

    // MARK: ARM resources

    /// Creates the resource or replaces its document (the stored id keeps its first casing).
    func putResource(_ resource: ResourceRecord) async throws
    /// Creates the resource only if no resource has its id (ARM's create): concurrent creates of
    /// one id have one winner.
    /// - Returns: whether it was inserted.
    func insertResource(_ resource: ResourceRecord) async throws -> Bool
    /// Replaces the resource's document only if it is still the version `expected` (compared by
    /// `updatedAt`, which every write advances, and `createdAt`, which tells a re-created resource apart).
    /// - Returns: whether it was replaced.
    func replaceResource(_ resource: ResourceRecord, expected: ResourceRecord) async throws -> Bool
    /// Deletes the resource only if it is still the version `expected`.
    /// - Returns: whether it was deleted.
    func deleteResource(_ expected: ResourceRecord) async throws -> Bool
    /// Looks a resource up by id, case-insensitively.
    func resource(id: ResourceID) async throws -> ResourceRecord?
    /// Resources of a subscription, optionally of one type (`Namespace/type`) and one group, by id.
    func resources(type: String?, subscription: String, resourceGroup: String?) async throws -> [ResourceRecord]
    /// Resources of `type` named `name` anywhere in the installation (names some types keep unique).
    func resources(type: String, named name: String) async throws -> [ResourceRecord]
    /// - Returns: whether the resource existed.
    @discardableResult func deleteResource(id: ResourceID) async throws -> Bool

    // MARK: Role assignments

    /// - Throws: `.conflict` when the name exists, or the principal already holds the role at the scope.
    func insertRoleAssignment(_ assignment: RoleAssignmentRecord) async throws
    func roleAssignment(name: String) async throws -> RoleAssignmentRecord?
    /// Every assignment, or those of one principal, by creation time.
    func roleAssignments(principalID: String?) async throws -> [RoleAssignmentRecord]
    /// - Returns: whether the assignment existed.
    @discardableResult func deleteRoleAssignment(name: String) async throws -> Bool

    // MARK: Vault keys

    /// The key `name` of `vault` (names match without case), deleted or not.
    func vaultKey(vault: String, name: String) async throws -> VaultKeyRecord?
    /// Active (or soft-deleted) keys of a vault, by name.
    func vaultKeys(vault: String, deleted: Bool) async throws -> [VaultKeyRecord]
    // Each change below appends `audit`'s entry to the vault's audit log in the same transaction
    // (when given): a change is never without its entry, and an entry never without its change.

    /// Adds a version and makes it current; `newKey` creates the key (a create, import or restore).
    /// - Throws: `.conflict` when the key is soft-deleted (or `newKey` finds it deleted),
    ///   `.notFound` when `newKey` is false and the key does not exist.
    func addKeyVersion(_ version: VaultKeyVersionRecord, newKey: Bool, audit: AuditEntryMaker?) async throws
    func keyVersion(vault: String, name: String, version: String) async throws -> VaultKeyVersionRecord?
    /// Every version of a key, oldest first.
    func keyVersions(vault: String, name: String) async throws -> [VaultKeyVersionRecord]
    /// Replaces a version's document (attributes, ops, tags). - Throws: `.notFound`.
    func updateKeyVersion(vault: String, name: String, version: String, document: JSONValue, audit: AuditEntryMaker?) async throws
    /// Soft-deletes (both times set) or recovers (both nil) a key. - Throws: `.notFound`.
    func setKeyDeleted(vault: String, name: String, deletedAt: Int64?, scheduledPurgeAt: Int64?, audit: AuditEntryMaker?) async throws
    /// Removes a key and all its versions; returns whether it existed.
    @discardableResult func purgeKey(vault: String, name: String, audit: AuditEntryMaker?) async throws -> Bool
    /// Removes every key of a vault (the vault was purged).
    func purgeVaultKeys(vault: String) async throws

    // MARK: Vault audit log

    /// Appends the entry `make` builds from the vault's last entry, atomically (one chain per vault).
    func appendAudit(vault: String, _ make: @escaping AuditEntryMaker) async throws -> AuditRecord
    /// Entries with a sequence above `after`, in order, at most `limit`.
    func auditRecords(vault: String, after sequence: Int64, limit: Int) async throws -> [AuditRecord]

    // MARK: Uploads

    func insertUpload(_ upload: UploadRecord) async throws
    func upload(id: String) async throws -> UploadRecord?
    /// Appends a committed part if the upload still has `expectedSize` bytes (so two racing
    /// chunks cannot both land); returns the updated upload.
    /// - Throws: `.notFound`; `.preconditionFailed` when the size moved.
    func appendUploadPart(uploadID: String, expectedSize: Int64, part: UploadPartRecord) async throws -> UploadRecord
    func uploadParts(uploadID: String) async throws -> [UploadPartRecord]
    /// - Returns: whether the upload existed.
    @discardableResult func deleteUpload(id: String) async throws -> Bool
    /// Upload sessions started before `cutoff` (Unix milliseconds), oldest first, at most `limit`.
    func uploads(startedBefore cutoff: Int64, limit: Int) async throws -> [UploadRecord]

    /// Closes connections; the store is unusable afterwards.
    func close() async throws
}
