// kura — a self-hosted encrypted container registry.
// RegistryRecords: the stored shape of registries and their content.

public import KuraCore

/// Which customer-managed key wraps a registry's data key, and as whom.
public struct CustomerKeyBinding: Sendable, Equatable {
    /// The key id as configured (`keyVaultProperties.keyIdentifier`); versionless ids follow the key.
    public var keyIdentifier: String
    /// The versioned key id that wrapped the stored data key.
    public var versionedKeyID: String
    /// Object id of the identity the registry uses with the vault.
    public var identityObjectID: String

    public init(keyIdentifier: String, versionedKeyID: String, identityObjectID: String) {
        self.keyIdentifier = keyIdentifier
        self.versionedKeyID = versionedKeyID
        self.identityObjectID = identityObjectID
    }
}

/// A registry and its wrapped data key.
public struct RegistryRecord: Sendable, Equatable {
    /// Stable id (lowercase UUID); names the registry's objects in the blob store.
    public var id: String
    /// Name as created; matched case-insensitively.
    public var name: String
    /// The data key as stored: always service-key-wrapped (`DataKeyWrapper`), never plaintext;
    /// with a customer-managed key, wrapped by that key first (two layers).
    public var wrappedDataKey: [UInt8]
    /// The customer-managed key, if the registry was created with one.
    public var customerKey: CustomerKeyBinding?
    public var keyGeneration: UInt32
    /// Whether the admin user (Basic auth with the registry name) may sign in.
    public var adminUserEnabled: Bool
    /// The admin user's two passwords, sealed under the root key (they must be shown again by
    /// `credential show`, so they cannot be hashed); nil until generated.
    public var sealedAdminPasswords: [UInt8]?
    /// Whether unauthenticated clients may pull.
    public var anonymousPullEnabled: Bool
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64

    public init(id: String, name: String, wrappedDataKey: [UInt8], keyGeneration: UInt32, adminUserEnabled: Bool = false,
                sealedAdminPasswords: [UInt8]? = nil, anonymousPullEnabled: Bool = false, createdAt: Int64,
                customerKey: CustomerKeyBinding? = nil) {
        self.id = id
        self.name = name
        self.wrappedDataKey = wrappedDataKey
        self.customerKey = customerKey
        self.keyGeneration = keyGeneration
        self.adminUserEnabled = adminUserEnabled
        self.sealedAdminPasswords = sealedAdminPasswords
        self.anonymousPullEnabled = anonymousPullEnabled
        self.createdAt = createdAt
    }
}

/// A committed blob of a registry (its bytes are a KBF1 object in the blob store).
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

/// A committed manifest (image manifest, index, or artifact) of a registry.
public struct ManifestRecord: Sendable, Equatable {
    public var registryID: String
    public var digest: ContentDigest
    public var mediaType: String
    /// Size of the manifest bytes.
    public var size: Int64
    /// `artifactType`, or the config media type for images (what the referrers API reports).
    public var artifactType: String?
    /// The manifest this one refers to (`subject`), for the referrers API.
    public var subject: ContentDigest?
    /// Manifest annotations as JSON text (for the referrers API), if any.
    public var annotations: String?
    /// First commit time, Unix milliseconds.
    public var createdAt: Int64
    /// An image's `os` and `architecture` from its config, when the config is an image config.
    public var os: String?
    public var architecture: String?

    public init(registryID: String, digest: ContentDigest, mediaType: String, size: Int64, artifactType: String? = nil,
                subject: ContentDigest? = nil, annotations: String? = nil, createdAt: Int64, os: String? = nil, architecture: String? = nil) {
        self.registryID = registryID
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.artifactType = artifactType
        self.subject = subject
        self.annotations = annotations
        self.createdAt = createdAt
        self.os = os
        self.architecture = architecture
    }
}

/// What a manifest points at; kept so nothing a manifest needs is ever collected.
public struct ManifestReference: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable {
        /// A config or layer blob.
        case blob
        /// A child manifest of an index.
        case manifest
    }

    public var digest: ContentDigest
    public var kind: Kind

    public init(digest: ContentDigest, kind: Kind) {
        self.digest = digest
        self.kind = kind
    }
}

/// A tag of a repository.
public struct TagRecord: Sendable, Equatable {
    public var name: String
    public var digest: ContentDigest
    /// Last time the tag moved, Unix milliseconds.
    public var updatedAt: Int64

    public init(name: String, digest: ContentDigest, updatedAt: Int64) {
        self.name = name
        self.digest = digest
        self.updatedAt = updatedAt
    }
}

/// An upload session in progress. Its bytes are parts: KBF1 objects under
/// `registries/<id>/uploads/<upload id>/part-<n>-<digest>`, one per acknowledged chunk.
public struct UploadRecord: Sendable, Equatable {
    /// Lowercase UUID.
    public var id: String
    public var registryID: String
    public var repository: String
    /// Bytes acknowledged so far (sum of the parts).
    public var size: Int64
    /// Number of parts committed.
    public var partCount: Int
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64

    public init(id: String, registryID: String, repository: String, size: Int64 = 0, partCount: Int = 0, createdAt: Int64) {
        self.id = id
        self.registryID = registryID
        self.repository = repository
        self.size = size
        self.partCount = partCount
        self.createdAt = createdAt
    }
}

/// One committed part of an upload.
public struct UploadPartRecord: Sendable, Equatable {
    /// 1-based, dense.
    public var number: Int
    /// Plaintext bytes in the part.
    public var size: Int64
    /// SHA-256 of the part's plaintext (the digest in its KBF1 trailer).
    public var digest: ContentDigest

    public init(number: Int, size: Int64, digest: ContentDigest) {
        self.number = number
        self.size = size
        self.digest = digest
    }
}

/// A manifest as linked into one repository, with what ACR's metadata API reports about it.
public struct RepositoryManifest: Sendable, Equatable {
    public var manifest: ManifestRecord
    /// Tags of the repository pointing at the manifest, in lexical order.
    public var tags: [String]
    /// Total size in bytes of the blobs (config and layers) the manifest references directly.
    public var referencedBlobSize: Int64
    /// When the manifest was linked into the repository, Unix milliseconds.
    public var linkedAt: Int64

    public init(manifest: ManifestRecord, tags: [String], referencedBlobSize: Int64, linkedAt: Int64) {
        self.manifest = manifest
        self.tags = tags
        self.referencedBlobSize = referencedBlobSize
        self.linkedAt = linkedAt
    }
}

/// What a repository held when it was deleted.
public struct RepositoryDeletion: Sendable, Equatable {
    public var manifests: [ContentDigest]
    public var tags: [String]
    /// Blobs the repository linked (their bytes go when nothing else needs them).
    public var blobs: [ContentDigest]

    public init(manifests: [ContentDigest], tags: [String], blobs: [ContentDigest]) {
        self.manifests = manifests
        self.tags = tags
        self.blobs = blobs
    }
}
