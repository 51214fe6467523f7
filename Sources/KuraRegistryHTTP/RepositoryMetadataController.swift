// kura — a self-hosted encrypted container registry.
// RepositoryMetadataController: ACR's `/acr/v1/<name>`, `/acr/v1/<name>/_manifests` and `/acr/v1/<name>/_tags[/<tag>]`.

import KuraAPI
import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
import KuraCore
package import KuraRegistry

/// ACR's repository metadata API, as `az acr repository show/show-tags/untag/delete`, `az acr
/// manifest list-metadata` and the Azure SDK's `ContainerRegistryClient` call it. Nothing here reads
/// content bytes; every answer comes from the metadata store.
package struct RepositoryMetadataController {
    package let service: RegistryService

    /// GET: the repository's attributes; DELETE: removes it (202, with what it held).
    package func repository(_ context: RegistryRequest, repository: RepositoryName) async throws -> Response {
        switch context.request.method {
        case .get, .head:
            let manifests = try await service.manifests(context.registry, repository: repository, after: nil, limit: ListingController.maximumPage)
            let tagCount = manifests.reduce(0) { $0 + $1.tags.count }
            let times = manifests.map(\.linkedAt)
            let attributes = RepositoryAttributes.of(registry: RegistryPlane.service(of: context.host), imageName: repository.value,
                                                     createdTime: Timestamp.iso8601(times.min() ?? 0),
                                                     lastUpdateTime: Timestamp.iso8601(times.max() ?? 0), manifestCount: manifests.count,
                                                     tagCount: tagCount)
            return OCIResponse.json(OCIResponse.encode(attributes))
        case .delete:
            let deletion = try await service.deleteRepository(context.registry, repository: repository)
            let deleted = DeletedRepository.of(manifests: deletion.manifests.map(\.description), tags: deletion.tags)
            return OCIResponse.json(OCIResponse.encode(deleted), status: .accepted)
        default:
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on /acr/v1/\(repository)")
        }
    }

    /// The manifests of a repository with tags, sizes and times; `orderby=timedesc|timeasc`
    /// orders by when each was pushed (default: digest order), `last` and `n` page as `/v2` does.
    package func manifests(_ context: RegistryRequest, repository: RepositoryName) async throws -> Response {
        guard context.request.method == .get || context.request.method == .head else {
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported here")
        }
        let all = try await service.manifests(context.registry, repository: repository, after: nil, limit: ListingController.maximumPage)
        let (page, n, extra) = try Self.page(all, query: context.query, time: \.linkedAt, key: \.manifest.digest.description)
        let manifests = page.map { entry in
            let platform = entry.manifest.os.flatMap { os in entry.manifest.architecture.map { (os: os, architecture: $0) } }
            return ManifestAttributes.of(digest: entry.manifest.digest.description, imageSize: entry.manifest.size + entry.referencedBlobSize,
                                         pushedTime: Timestamp.iso8601(entry.linkedAt), mediaType: entry.manifest.mediaType, tags: entry.tags,
                                         configMediaType: entry.manifest.artifactType, platform: platform)
        }
        let list = ManifestsList.of(registry: RegistryPlane.service(of: context.host), imageName: repository.value, items: manifests)
        return OCIResponse.json(OCIResponse.encode(list), headers: OCIResponse.nextLink(
            path: "/acr/v1/\(repository)/_manifests", last: page.last?.manifest.digest.description, n: n, count: page.count, extraQuery: extra))
    }

    /// The tags of a repository with digests and times; `orderby=timedesc|timeasc` orders by when
    /// each tag last moved (default: by name), `last` and `n` page as `/v2/<name>/tags/list` does.
    package func tags(_ context: RegistryRequest, repository: RepositoryName) async throws -> Response {
        guard context.request.method == .get || context.request.method == .head else {
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported here")
        }
        let all = try await service.tagRecords(context.registry, repository: repository, after: nil, limit: ListingController.maximumPage)
        let (page, n, extra) = try Self.page(all, query: context.query, time: \.updatedAt, key: \.name)
        let list = TagsList.of(registry: RegistryPlane.service(of: context.host), imageName: repository.value, items: page.map(Self.attributes))
        return OCIResponse.json(OCIResponse.encode(list), headers: OCIResponse.nextLink(
            path: "/acr/v1/\(repository)/_tags", last: page.last?.name, n: n, count: page.count, extraQuery: extra))
    }

    /// GET: one tag's attributes; DELETE: removes the tag (the manifest stays), 202.
    package func tag(_ context: RegistryRequest, repository: RepositoryName, tag: Tag) async throws -> Response {
        switch context.request.method {
        case .get, .head:
            let found = try await service.tagRecord(context.registry, repository: repository, tag: tag)
            let detail = TagDetail.of(registry: RegistryPlane.service(of: context.host), imageName: repository.value,
                                      tag: Self.attributes(found))
            return OCIResponse.json(OCIResponse.encode(detail))
        case .delete:
            try await service.deleteManifest(context.registry, repository: repository, reference: .tag(tag))
            return OCIResponse.empty(.accepted)
        default:
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on a tag")
        }
    }

    private static func attributes(_ tag: TagRecord) -> TagAttributes {
        .of(name: tag.name, digest: tag.digest.description, movedTime: Timestamp.iso8601(tag.updatedAt))
    }

    /// One page of a listing as ACR pages it: ordered by `orderby` (`timedesc`/`timeasc` by `time`,
    /// ties by `key`; otherwise as given), after the item whose key is `last`, at most `n`.
    /// - Returns: the page, `n`, and the query the next link must carry to keep the order.
    /// - Throws: `PAGINATION_NUMBER_INVALID` for a bad `n` or `orderby`.
    private static func page<Item>(_ items: [Item], query: FormParameters, time: KeyPath<Item, Int64>,
                                   key: KeyPath<Item, String>) throws -> (page: [Item], n: Int, nextLinkQuery: String) {
        let n = try ListingController.pageSize(query)
        var ordered = items
        switch query["orderby"] {
        case nil, "": break
        case "timedesc": ordered.sort { ($0[keyPath: time], $0[keyPath: key]) > ($1[keyPath: time], $1[keyPath: key]) }
        case "timeasc": ordered.sort { ($0[keyPath: time], $0[keyPath: key]) < ($1[keyPath: time], $1[keyPath: key]) }
        default: throw RegistryError(.paginationInvalid, "orderby must be timedesc or timeasc")
        }
        if let last = query["last"], let index = ordered.firstIndex(where: { $0[keyPath: key] == last }) { ordered.removeFirst(index + 1) }
        return (Array(ordered.prefix(n)), n, query["orderby"].map { $0.isEmpty ? "" : "&orderby=\($0)" } ?? "")
    }
}
