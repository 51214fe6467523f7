// kura — a self-hosted encrypted container registry.
// RegistryRoute: the OCI Distribution URL grammar, parsed once (names may contain slashes).

import KuraHTTP
import Foundation
package import KuraCore
package import KuraRegistry

/// One endpoint of a registry host, parsed from a percent-decoded path. The route table reads
/// like the spec's endpoint list (end-1 … end-13) plus ACR's token endpoints.
package enum RegistryRoute: Equatable, Sendable {
    /// `/v2/`
    case base
    /// `/v2/_catalog`
    case catalog
    /// `/v2/<name>/tags/list`
    case tags(RepositoryName)
    /// `/v2/<name>/manifests/<reference>`
    case manifest(RepositoryName, Reference)
    /// `/v2/<name>/manifests/<reference>` whose reference is neither a valid tag nor a valid
    /// digest: no manifest can be known by it, so reading or deleting answers 404
    /// `MANIFEST_UNKNOWN` (as distribution does) and pushing answers 400 — after authentication,
    /// like every other repository endpoint.
    case malformedManifestReference(RepositoryName, String)
    /// `/v2/<name>/blobs/<digest>`
    case blob(RepositoryName, ContentDigest)
    /// `/v2/<name>/blobs/uploads/`
    case uploads(RepositoryName)
    /// `/v2/<name>/blobs/uploads/<id>`
    case upload(RepositoryName, String)
    /// `/v2/<name>/referrers/<digest>`
    case referrers(RepositoryName, ContentDigest)
    /// `/oauth2/token`
    case token
    /// `/oauth2/exchange`
    case exchange
    /// `/acr/v1/_catalog` (ACR's catalog, what the Azure SDK lists repositories with)
    case acrCatalog
    /// `/acr/v1/<name>` (ACR's repository attributes; DELETE removes the repository)
    case acrRepository(RepositoryName)
    /// `/acr/v1/<name>/_manifests` (ACR's manifest metadata, what `az acr manifest list-metadata` reads)
    case acrManifests(RepositoryName)
    /// `/acr/v1/<name>/_tags` (ACR's tag metadata, what `az acr repository show-tags` reads)
    case acrTags(RepositoryName)
    /// `/acr/v1/<name>/_tags/<tag>` (one tag's attributes; DELETE untags, as `az acr repository untag`)
    case acrTag(RepositoryName, Tag)

    /// The endpoint's path template, as the spec writes it (the metrics' route label).
    package var template: String {
        switch self {
        case .base: "/v2/"
        case .catalog: "/v2/_catalog"
        case .tags: "/v2/{name}/tags/list"
        case .manifest, .malformedManifestReference: "/v2/{name}/manifests/{reference}"
        case .blob: "/v2/{name}/blobs/{digest}"
        case .uploads: "/v2/{name}/blobs/uploads/"
        case .upload: "/v2/{name}/blobs/uploads/{id}"
        case .referrers: "/v2/{name}/referrers/{digest}"
        case .token: "/oauth2/token"
        case .exchange: "/oauth2/exchange"
        case .acrCatalog: "/acr/v1/_catalog"
        case .acrRepository: "/acr/v1/{name}"
        case .acrManifests: "/acr/v1/{name}/_manifests"
        case .acrTags: "/acr/v1/{name}/_tags"
        case .acrTag: "/acr/v1/{name}/_tags/{tag}"
        }
    }

    /// The template of `path`'s endpoint, or `unknown` (metrics).
    package static func template(of path: String) -> String {
        ((try? RegistryRoute(path: path.removingPercentEncoding ?? path)) ?? nil)?.template ?? "unknown"
    }

    /// - Returns: nil for a path that is no registry endpoint.
    /// - Throws: ``RegistryError`` `NAME_INVALID`, `DIGEST_INVALID` or `MANIFEST_INVALID` for an
    ///   endpoint whose name, blob digest or ACR tag is malformed. A malformed manifest reference
    ///   is ``malformedManifestReference(_:_:)``: what it answers depends on the method.
    package init?(path: String) throws(RegistryError) {
        switch path {
        case "/v2", "/v2/": self = .base; return
        case "/v2/_catalog": self = .catalog; return
        case "/oauth2/token": self = .token; return
        case "/oauth2/exchange": self = .exchange; return
        case "/acr/v1/_catalog": self = .acrCatalog; return
        default: break
        }
        if path.hasPrefix("/acr/v1/") {
            // `_manifests` and `_tags` cannot be name components (those start with a letter or digit).
            let text = String(path.dropFirst("/acr/v1/".count))
            func name(_ text: Substring) throws(RegistryError) -> RepositoryName {
                guard let name = RepositoryName(String(text)) else { throw RegistryError(.nameInvalid, "invalid repository name '\(text)'") }
                return name
            }
            if text.hasSuffix("/_manifests") {
                self = .acrManifests(try name(text.dropLast("/_manifests".count)))
            } else if text.hasSuffix("/_tags") {
                self = .acrTags(try name(text.dropLast("/_tags".count)))
            } else if case let parts = text.split(separator: "/", omittingEmptySubsequences: false),
                      parts.count >= 3, parts[parts.count - 2] == "_tags" {
                let tagText = String(parts[parts.count - 1])
                guard let tag = Tag(tagText) else { throw RegistryError(.manifestInvalid, "invalid tag '\(tagText)'") }
                self = .acrTag(try name(Substring(parts.dropLast(2).joined(separator: "/"))), tag)
            } else {
                self = .acrRepository(try name(Substring(text)))
            }
            return
        }
        guard path.hasPrefix("/v2/") else { return nil }
        var segments = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let trailingSlash = segments.last == ""
        if trailingSlash { segments.removeLast() }
        guard segments.count >= 2 else { return nil }

        func name(dropping count: Int) throws(RegistryError) -> RepositoryName {
            let text = segments.dropLast(count).joined(separator: "/")
            guard let name = RepositoryName(text) else { throw RegistryError(.nameInvalid, "invalid repository name '\(text)'") }
            return name
        }
        func digest(_ text: String) throws(RegistryError) -> ContentDigest {
            guard let digest = ContentDigest(text) else { throw RegistryError(.digestInvalid, "invalid digest '\(text)'") }
            return digest
        }

        let last = segments[segments.count - 1]
        let secondLast = segments[segments.count - 2]
        if secondLast == "tags" && last == "list" && segments.count >= 3 {
            self = .tags(try name(dropping: 2))
        } else if secondLast == "manifests" && segments.count >= 3 {
            let repository = try name(dropping: 2)
            if let reference = Reference(last) {
                self = .manifest(repository, reference)
            } else {
                self = .malformedManifestReference(repository, last)
            }
        } else if secondLast == "blobs" && last == "uploads" && segments.count >= 3 {
            self = .uploads(try name(dropping: 2))
        } else if segments.count >= 4 && segments[segments.count - 3] == "blobs" && secondLast == "uploads" {
            self = .upload(try name(dropping: 3), last)
        } else if secondLast == "blobs" && segments.count >= 3 {
            self = .blob(try name(dropping: 2), try digest(last))
        } else if secondLast == "referrers" && segments.count >= 3 {
            self = .referrers(try name(dropping: 2), try digest(last))
        } else {
            return nil
        }
    }

    /// The scope a request to this route needs (nil: any authenticated caller, e.g. `/v2/`).
    package func requiredScope(method: String) -> AccessScope? {
        let action: String = switch method {
        case "GET", "HEAD": "pull"
        case "DELETE": "delete"
        default: "push"
        }
        switch self {
        case .base, .token, .exchange: return nil
        case .catalog, .acrCatalog: return .catalog
        case .tags(let name), .manifest(let name, _), .malformedManifestReference(let name, _), .blob(let name, _),
             .uploads(let name), .upload(let name, _), .referrers(let name, _):
            return .repository(name, action)
        case .acrRepository(let name), .acrManifests(let name), .acrTags(let name), .acrTag(let name, _):
            return .repository(name, method == "DELETE" ? "delete" : "metadata_read")
        }
    }
}
