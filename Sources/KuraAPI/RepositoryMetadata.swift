// kura — a self-hosted encrypted container registry.
// RepositoryMetadata: a registry's listings (`/v2/_catalog`, tags) and ACR's `/acr/v1/…` metadata answers.

/// `GET /v2/_catalog` (and ACR's `/acr/v1/_catalog`): one page of repository names (the next is in the
/// `Link` header).
public struct RepositoryCatalog: Codable, Sendable, Equatable {
    public var repositories: [String]

    public init(repositories: [String]) { self.repositories = repositories }
}

/// `GET /v2/<name>/tags/list`: one page of tag names.
public struct TagNameList: Codable, Sendable, Equatable {
    /// The repository.
    public var name: String
    public var tags: [String]

    public init(name: String, tags: [String]) {
        self.name = name
        self.tags = tags
    }
}

/// What a repository, manifest or tag reports as changeable. kura has no locks: all four are true.
public struct ChangeableAttributes: Codable, Sendable, Equatable {
    public var deleteEnabled: Bool
    public var writeEnabled: Bool
    public var readEnabled: Bool
    public var listEnabled: Bool

    /// Everything enabled (what kura always writes).
    public static let allEnabled = ChangeableAttributes(deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true)
}

/// `GET /acr/v1/<name>`: a repository's attributes. Times are ISO 8601 UTC with milliseconds (`2026-05-01T12:00:00.123Z`).
public struct RepositoryAttributes: Codable, Sendable, Equatable {
    /// The registry host without its port.
    public var registry: String
    /// The repository name.
    public var imageName: String
    /// When its first and latest manifests were pushed (the epoch when it has none).
    public var createdTime: String
    public var lastUpdateTime: String
    public var manifestCount: Int
    /// Tags over all its manifests.
    public var tagCount: Int
    public var changeableAttributes: ChangeableAttributes

    public static func of(registry: String, imageName: String, createdTime: String, lastUpdateTime: String, manifestCount: Int,
                          tagCount: Int) -> RepositoryAttributes {
        RepositoryAttributes(registry: registry, imageName: imageName, createdTime: createdTime, lastUpdateTime: lastUpdateTime,
                             manifestCount: manifestCount, tagCount: tagCount, changeableAttributes: .allEnabled)
    }
}

/// One manifest of `GET /acr/v1/<name>/_manifests`.
public struct ManifestAttributes: Codable, Sendable, Equatable {
    /// `sha256:<hex>`.
    public var digest: String
    /// Bytes: the manifest and every blob it references.
    public var imageSize: Int64
    /// Both when it was pushed to this repository (kura keeps one time).
    public var createdTime: String
    public var lastUpdateTime: String
    public var mediaType: String
    /// The tags on it, possibly none (`[]`, always written).
    public var tags: [String]
    public var changeableAttributes: ChangeableAttributes
    /// The manifest's `artifactType`, else its config's media type; absent when neither.
    public var configMediaType: String?
    /// From an image config: both or neither.
    public var os: String?
    public var architecture: String?

    public static func of(digest: String, imageSize: Int64, pushedTime: String, mediaType: String, tags: [String],
                          configMediaType: String? = nil, platform: (os: String, architecture: String)? = nil) -> ManifestAttributes {
        ManifestAttributes(digest: digest, imageSize: imageSize, createdTime: pushedTime, lastUpdateTime: pushedTime, mediaType: mediaType,
                           tags: tags, changeableAttributes: .allEnabled, configMediaType: configMediaType, os: platform?.os,
                           architecture: platform?.architecture)
    }
}

/// `GET /acr/v1/<name>/_manifests`: one page (the next is in the `Link` header).
public struct ManifestsList: Codable, Sendable, Equatable {
    public var registry: String
    public var imageName: String
    public var manifests: [ManifestAttributes]

    public init(registry: String, imageName: String, manifests: [ManifestAttributes]) {
        self.registry = registry
        self.imageName = imageName
        self.manifests = manifests
    }
}

/// A tag, in `GET /acr/v1/<name>/_tags` and `GET /acr/v1/<name>/_tags/<tag>`.
public struct TagAttributes: Codable, Sendable, Equatable {
    public var name: String
    /// The manifest it points at: `sha256:<hex>`.
    public var digest: String
    /// Both when the tag last moved (kura keeps no creation time for a tag).
    public var createdTime: String
    public var lastUpdateTime: String
    /// Always false.
    public var signed: Bool
    public var changeableAttributes: ChangeableAttributes

    public static func of(name: String, digest: String, movedTime: String) -> TagAttributes {
        TagAttributes(name: name, digest: digest, createdTime: movedTime, lastUpdateTime: movedTime, signed: false,
                      changeableAttributes: .allEnabled)
    }
}

/// `GET /acr/v1/<name>/_tags`: one page (the next is in the `Link` header).
public struct TagsList: Codable, Sendable, Equatable {
    public var registry: String
    public var imageName: String
    public var tags: [TagAttributes]

    public init(registry: String, imageName: String, tags: [TagAttributes]) {
        self.tags = tags
        self.registry = registry
        self.imageName = imageName
    }
}

/// `GET /acr/v1/<name>/_tags/<tag>`.
public struct TagDetail: Codable, Sendable, Equatable {
    public var registry: String
    public var imageName: String
    public var tag: TagAttributes

    public static func of(registry: String, imageName: String, tag: TagAttributes) -> TagDetail {
        TagDetail(registry: registry, imageName: imageName, tag: tag)
    }
}

/// `DELETE /acr/v1/<name>` (202): what the repository held. Named as ACR's spec names it (KuraRegistry
/// has its own `RepositoryDeletion`).
public struct DeletedRepository: Codable, Sendable, Equatable {
    /// Digests, `sha256:<hex>`.
    public var manifestsDeleted: [String]
    public var tagsDeleted: [String]

    public init(manifestsDeleted: [String], tagsDeleted: [String]) {
        self.manifestsDeleted = manifestsDeleted
        self.tagsDeleted = tagsDeleted
    }
}
