// kura — a self-hosted encrypted container registry.
// ThrowingStore: every plane's store, failing every call with one error (tests of error paths).

public import KuraAPI
public import KuraCore
public import KuraDirectory
public import KuraKeyVault
public import KuraManagement
public import KuraRegistry

/// A store of every plane whose every call throws ``error``: what a test hands the planes to see
/// how each host answers a failure no plane maps (500 in the plane's envelope, with a request id
/// and a log line) or one it does. A new requirement of a store protocol is a compile error here,
/// so it never drifts.
public struct ThrowingStore: DirectoryStore, RegistryStore, RegistryContentStore, UploadStore, VaultStore, ManagementStore {
    public let error: any Error

    public init(_ error: any Error) { self.error = error }

    public func insertPrincipal(_ principal: PrincipalRecord) async throws { throw error }
    public func principal(appID: String) async throws -> PrincipalRecord? { throw error }
    public func principal(userPrincipalName name: String) async throws -> PrincipalRecord? { throw error }
    public func principal(objectID: String) async throws -> PrincipalRecord? { throw error }
    public func principals() async throws -> [PrincipalRecord] { throw error }
    public func deletePrincipal(objectID: String) async throws -> Bool { throw error }
    public func insertRoleAssignment(_ assignment: RoleAssignmentRecord) async throws { throw error }
    public func roleAssignment(name: String) async throws -> RoleAssignmentRecord? { throw error }
    public func roleAssignments(principalID: String?) async throws -> [RoleAssignmentRecord] { throw error }
    public func deleteRoleAssignment(name: String) async throws -> Bool { throw error }
    public func insertRegistry(_ registry: RegistryRecord) async throws { throw error }
    public func registry(named name: String) async throws -> RegistryRecord? { throw error }
    public func registries() async throws -> [RegistryRecord] { throw error }
    public func replaceWrappedDataKey(registryID: String, expected: [UInt8], new: [UInt8], customerKey: CustomerKeyBinding?) async throws { throw error }
    public func updateRegistrySettings(id: String, adminUserEnabled: Bool, sealedAdminPasswords: [UInt8]?, anonymousPullEnabled: Bool) async throws { throw error }
    public func deleteRegistry(id: String) async throws -> Bool { throw error }
    public func commitBlob(_ blob: BlobRecord, repository: String, place: @escaping @Sendable () async throws -> Void) async throws { throw error }
    public func blob(registryID: String, digest: ContentDigest) async throws -> BlobRecord? { throw error }
    public func blobs(registryID: String, after: ContentDigest?, limit: Int) async throws -> [BlobRecord] { throw error }
    public func collectableBlobs(unreferencedBefore cutoff: Int64, limit: Int) async throws -> [(registryID: String, digest: ContentDigest)] { throw error }
    public func collectBlob(registryID: String, digest: ContentDigest, unreferencedBefore cutoff: Int64, remove: @escaping @Sendable () async throws -> Void) async throws -> Bool { throw error }
    public func linkBlob(registryID: String, repository: String, digest: ContentDigest) async throws { throw error }
    public func linkedBlob(registryID: String, repository: String, digest: ContentDigest) async throws -> BlobRecord? { throw error }
    public func unlinkBlob(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool { throw error }
    public func repositoryExists(registryID: String, name: String) async throws -> Bool { throw error }
    public func repositories(registryID: String, after: String?, limit: Int) async throws -> [String] { throw error }
    public func commitManifest(_ manifest: ManifestRecord, references: [ManifestReference], repository: String, tags: [String], requireBlobs: Bool, place: @escaping @Sendable () async throws -> Void) async throws { throw error }
    public func manifest(registryID: String, repository: String, digest: ContentDigest) async throws -> ManifestRecord? { throw error }
    public func unlinkManifest(registryID: String, repository: String, digest: ContentDigest, at now: Int64) async throws -> Bool { throw error }
    public func tag(registryID: String, repository: String, name: String) async throws -> TagRecord? { throw error }
    public func tags(registryID: String, repository: String, after: String?, limit: Int) async throws -> [TagRecord] { throw error }
    public func deleteTag(registryID: String, repository: String, name: String) async throws -> Bool { throw error }
    public func referrers(registryID: String, repository: String, subject: ContentDigest) async throws -> [ManifestRecord] { throw error }
    public func repositoryManifests(registryID: String, repository: String, after: ContentDigest?, limit: Int) async throws -> [RepositoryManifest] { throw error }
    public func deleteRepository(registryID: String, name: String, at now: Int64) async throws -> RepositoryDeletion? { throw error }
    public func insertUpload(_ upload: UploadRecord) async throws { throw error }
    public func upload(id: String) async throws -> UploadRecord? { throw error }
    public func appendUploadPart(uploadID: String, expectedSize: Int64, part: UploadPartRecord) async throws -> UploadRecord { throw error }
    public func uploadParts(uploadID: String) async throws -> [UploadPartRecord] { throw error }
    public func deleteUpload(id: String) async throws -> Bool { throw error }
    public func uploads(startedBefore cutoff: Int64, limit: Int) async throws -> [UploadRecord] { throw error }
    public func vaultKey(vault: String, name: String) async throws -> VaultKeyRecord? { throw error }
    public func vaultKeys(vault: String, deleted: Bool) async throws -> [VaultKeyRecord] { throw error }
    public func addKeyVersion(_ version: VaultKeyVersionRecord, to target: KeyVersionTarget, audit: AuditEntryMaker?) async throws { throw error }
    public func keyVersion(vault: String, name: String, version: String) async throws -> VaultKeyVersionRecord? { throw error }
    public func keyVersions(vault: String, name: String) async throws -> [VaultKeyVersionRecord] { throw error }
    public func updateKeyVersion(vault: String, name: String, version: String, document: JSONValue, audit: AuditEntryMaker?) async throws { throw error }
    public func setKeyDeleted(vault: String, name: String, deletedAt: Int64?, scheduledPurgeAt: Int64?, audit: AuditEntryMaker?) async throws { throw error }
    public func purgeKey(vault: String, name: String, audit: AuditEntryMaker?) async throws -> Bool { throw error }
    public func purgeVaultKeys(vault: String) async throws { throw error }
    public func appendAudit(vault: String, _ make: @escaping AuditEntryMaker) async throws -> AuditRecord { throw error }
    public func auditRecords(vault: String, after sequence: Int64, limit: Int) async throws -> [AuditRecord] { throw error }
    public func putResource(_ resource: ResourceRecord) async throws { throw error }
    public func insertResource(_ resource: ResourceRecord) async throws -> Bool { throw error }
    public func replaceResource(_ resource: ResourceRecord, expected: ResourceRecord) async throws -> Bool { throw error }
    public func deleteResource(_ expected: ResourceRecord) async throws -> Bool { throw error }
    public func resource(id: ResourceID) async throws -> ResourceRecord? { throw error }
    public func resources(type: String?, subscription: String, resourceGroup: String?) async throws -> [ResourceRecord] { throw error }
    public func resources(type: String, named name: String) async throws -> [ResourceRecord] { throw error }
    public func deleteResource(id: ResourceID) async throws -> Bool { throw error }
}
