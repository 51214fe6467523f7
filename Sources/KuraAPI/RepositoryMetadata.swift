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
    /// `name` is the repository's.
    public var name: String, tags: [String]

    public static func of(_ name: String, tags: [String]) -> TagNameList { TagNameList(name: name, tags: tags) }
}

/// What a repository, manifest or tag reports as changeable. kura has no locks: all four are true.
public struct ChangeableAttributes: Codable, Sendable, Equatable {
    public var deleteEnabled, writeEnabled, readEnabled, listEnabled: Bool

    /// Everything enabled (what kura always writes).
    public static let allEnabled = ChangeableAttributes(deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true)
}

/// `GET /acr/v1/<name>`: a repository's attributes. Times are ISO 8601 UTC with milliseconds (`2026-05-01T12:00:00.123Z`).
public struct RepositoryAttributes: Codable, Sendable, Equatable {
    /// The registry host without its port, and the repository.
    public var registry, imageName: String
    /// When its first and latest manifests were pushed (the epoch when it has none).
    public var createdTime, lastUpdateTime: String
    /// `tagCount` is over all its manifests.
    public var manifestCount, tagCount: Int
    public var changeableAttributes: ChangeableAttributes

    public static func of(registry: String, imageName: String, createdTime: String, lastUpdateTime: String, manifestCount: Int,
                          tagCount: Int) -> RepositoryAttributes {
        RepositoryAttributes(registry: registry, imageName: imageName, createdTime: createdTime, lastUpdateTime: lastUpdateTime,
                             manifestCount: manifestCount, tagCount: tagCount, changeableAttributes: .allEnabled)
    }
}

/// One manifest of `GET /acr/v1/<name>/_manifests`.
public struct ManifestAttributes: RepositoryListed {
    public static let listMember = "manifests"
    /// `digest` is `sha256:<hex>`.
    public var digest, mediaType: String
    /// Bytes: the manifest and every blob it references.
    public var imageSize: Int64
    /// Both when it was pushed to this repository (kura keeps one time).
    public var createdTime, lastUpdateTime: String
    /// The tags on it, possibly none (`[]`, always written).
    public var tags: [String]
    public var changeableAttributes: ChangeableAttributes
    /// The manifest's `artifactType`, else its config's media type; absent when neither.
    public var configMediaType: String?
    /// From an image config: both or neither.
    public var os, architecture: String?

    public static func of(digest: String, imageSize: Int64, pushedTime: String, mediaType: String, tags: [String],
                          configMediaType: String? = nil, platform: (os: String, architecture: String)? = nil) -> ManifestAttributes {
        ManifestAttributes(digest: digest, mediaType: mediaType, imageSize: imageSize, createdTime: pushedTime, lastUpdateTime: pushedTime,
                           tags: tags, changeableAttributes: .allEnabled, configMediaType: configMediaType, os: platform?.os,
                           architecture: platform?.architecture)
    }
}

/// What ACR lists of a repository: its manifests or its tags.
public protocol RepositoryListed: Codable, Sendable, Equatable {
    /// The member the list is written under (`manifests`, `tags`).
    static var listMember: String { get }
}

/// `GET /acr/v1/<name>/_manifests` or `/_tags`: one page (the next is in the `Link` header), as
/// `{"registry", "imageName", "<Item.listMember>": [...]}`.
public struct RepositoryListing<Item: RepositoryListed>: Codable, Sendable, Equatable {
    /// The registry host without its port, and the repository.
    public var registry, imageName: String
    public var items: [Item]

    public static func of(registry: String, imageName: String, items: [Item]) -> RepositoryListing {
        RepositoryListing(registry: registry, imageName: imageName, items: items)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: MemberName.self)
        self.init(registry: try container.decode(String.self, forKey: MemberName("registry")),
                  imageName: try container.decode(String.self, forKey: MemberName("imageName")),
                  items: try container.decode([Item].self, forKey: MemberName(Item.listMember)))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: MemberName.self)
        try container.encode(registry, forKey: MemberName("registry"))
        try container.encode(imageName, forKey: MemberName("imageName"))
        try container.encode(items, forKey: MemberName(Item.listMember))
    }

    init(registry: String, imageName: String, items: [Item]) {
        self.registry = registry
        self.imageName = imageName
        self.items = items
    }
}

/// `GET /acr/v1/<name>/_manifests`.
public typealias ManifestsList = RepositoryListing<ManifestAttributes>

/// A tag, in `GET /acr/v1/<name>/_tags` and `GET /acr/v1/<name>/_tags/<tag>`.
public struct TagAttributes: RepositoryListed {
    public static let listMember = "tags"
    /// `digest` is the manifest it points at: `sha256:<hex>`.
    public var name, digest: String
    /// Both when the tag last moved (kura keeps no creation time for a tag).
    public var createdTime, lastUpdateTime: String
    /// Always false.
    public var signed: Bool
    public var changeableAttributes: ChangeableAttributes

    public static func of(name: String, digest: String, movedTime: String) -> TagAttributes {
        TagAttributes(name: name, digest: digest, createdTime: movedTime, lastUpdateTime: movedTime, signed: false,
                      changeableAttributes: .allEnabled)
    }
}

/// `GET /acr/v1/<name>/_tags`.
public typealias TagsList = RepositoryListing<TagAttributes>

/// `GET /acr/v1/<name>/_tags/<tag>`.
public struct TagDetail: Codable, Sendable, Equatable {
    /// The registry host without its port, and the repository.
    public var registry, imageName: String
    public var tag: TagAttributes

    public static func of(registry: String, imageName: String, tag: TagAttributes) -> TagDetail {
        TagDetail(registry: registry, imageName: imageName, tag: tag)
    }
}

/// `DELETE /acr/v1/<name>` (202): what the repository held. Named as ACR's spec names it (KuraRegistry
/// has its own `RepositoryDeletion`).
public struct DeletedRepository: Codable, Sendable, Equatable {
    /// Digests (`sha256:<hex>`) and tag names.
    public var manifestsDeleted, tagsDeleted: [String]

    public static func of(manifests: [String], tags: [String]) -> DeletedRepository {
        DeletedRepository(manifestsDeleted: manifests, tagsDeleted: tags)
    }
}
