// kura — a self-hosted encrypted container registry.
// ListingController: tags list, catalog and referrers.

import KuraAPI
package import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
package import KuraCore
package import KuraRegistry
import NIOCore

package struct ListingController {
    package let service: RegistryService
    /// Page size when the client sends no `n`, and the largest it may ask for.
    package static let maximumPage = 10_000

    package func tags(_ context: RegistryRequest, repository: RepositoryName) async throws -> Response {
        try Self.requireGet(context)
        let n = try Self.pageSize(context.query)
        let tags = try await service.tags(context.registry, repository: repository, after: context.query["last"], limit: n)
        return OCIResponse.json(OCIResponse.encode(TagNameList.of(repository.value, tags: tags)),
                                headers: OCIResponse.nextLink(path: "/v2/\(repository)/tags/list", last: tags.last, n: n, count: tags.count))
    }

    package func catalog(_ context: RegistryRequest, linkPath: String = "/v2/_catalog") async throws -> Response {
        try Self.requireGet(context)
        let n = try Self.pageSize(context.query)
        let names = try await service.catalog(context.registry, after: context.query["last"], limit: n)
        return OCIResponse.json(OCIResponse.encode(RepositoryCatalog(repositories: names)),
                                headers: OCIResponse.nextLink(path: linkPath, last: names.last, n: n, count: names.count))
    }

    /// The referrers API: an OCI image index of the manifests whose subject is `subject`.
    package func referrers(_ context: RegistryRequest, repository: RepositoryName, subject: ContentDigest) async throws -> Response {
        try Self.requireGet(context)
        let artifactType = context.query["artifactType"]
        let manifests = try await service.referrers(context.registry, repository: repository, subject: subject, artifactType: artifactType)
        let descriptors = manifests.map { manifest -> JSONValue in
            var descriptor: JSONValue = ["mediaType": .string(manifest.mediaType), "digest": .string(manifest.digest.description),
                                         "size": .integer(manifest.size)]
            descriptor["artifactType"] = manifest.artifactType.map(JSONValue.string)
            descriptor["annotations"] = manifest.annotations.flatMap { try? JSONValue(parsing: $0) }
            return descriptor
        }
        let index: JSONValue = ["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": .array(descriptors)]
        var response = OCIResponse.json(index.text,
                                        headers: artifactType == nil ? [:] : [.ociFiltersApplied: "artifactType"])
        response.headers[.contentType] = "application/vnd.oci.image.index.v1+json"
        return response
    }

    private static func requireGet(_ context: RegistryRequest) throws {
        guard context.request.method == .get || context.request.method == .head else {
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported here")
        }
    }

    package static func pageSize(_ query: FormParameters) throws -> Int {
        guard let text = query["n"] else { return maximumPage }
        guard let n = Int(text), n >= 0 else { throw RegistryError(.paginationInvalid, "n must be a non-negative integer") }
        return min(n, maximumPage)
    }
}
