// kura — a self-hosted encrypted container registry.
// ManifestController: GET / HEAD / PUT / DELETE /v2/<name>/manifests/<reference>.
//
// PUT takes `tag` query parameters (distribution-spec 1.2: several tags in one push, each echoed
// in an `OCI-Tag` response field).

package import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
import KuraCore
package import KuraRegistry
import NIOCore

package struct ManifestController {
    package let service: RegistryService

    package func handle(_ context: RegistryRequest, repository: RepositoryName, reference: Reference) async throws -> Response {
        switch context.request.method {
        case .get, .head:
            let manifest = try await service.manifest(context.registry, repository: repository, reference: reference)
            let headers: HTTPFields = [.contentType: manifest.mediaType, .contentLength: String(manifest.size),
                                       .dockerContentDigest: manifest.digest.description, .eTag: "\"\(manifest.digest)\""]
            if context.request.method == .head { return Response(status: .ok, headers: headers, body: ResponseBody()) }
            let bytes = try await service.manifestBytes(context.registry, manifest)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
        case .put:
            let tags = try Self.queryTags(context.query)
            var request = context.request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: ManifestDocument.maximumSize)
            } catch let error where RequestFault(error) == .tooLarge {
                throw RegistryError(.manifestTooLarge, "manifests are limited to \(ManifestDocument.maximumSize) bytes")
            }
            let (manifest, document) = try await service.putManifest(
                context.registry, repository: repository, reference: reference, tags: tags, body: Array(body.readableBytesView),
                contentType: context.request.headers[.contentType])
            var headers: HTTPFields = [.location: "/v2/\(repository)/manifests/\(manifest.digest)",
                                       .dockerContentDigest: manifest.digest.description]
            if let subject = document.subject { headers[.ociSubject] = subject.description }
            // One `OCI-Tag` field per tag applied from the query (RFC 9110 §5.3: the same as one
            // comma-separated field).
            for tag in tags { headers.append(HTTPField(name: .ociTag, value: tag.value)) }
            return OCIResponse.empty(.created, headers: headers)
        case .delete:
            try await service.deleteManifest(context.registry, repository: repository, reference: reference)
            return OCIResponse.empty(.accepted)
        default:
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on manifests")
        }
    }

    /// A reference that is neither a tag nor a digest names no manifest: GET, HEAD and DELETE
    /// answer 404 `MANIFEST_UNKNOWN` (as distribution does); a push to it is malformed (400).
    package func malformedReference(_ context: RegistryRequest, repository: RepositoryName, reference: String) throws(RegistryError) -> Response {
        let shown = Self.shown(reference)
        switch context.request.method {
        case .get, .head, .delete:
            throw RegistryError(.manifestUnknown, "manifest '\(shown)' is not in repository \(repository)")
        case .put:
            if reference.contains(":") { throw RegistryError(.digestInvalid, "invalid digest '\(shown)'") }
            throw RegistryError(.manifestInvalid, "invalid tag '\(shown)'")
        default:
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on manifests")
        }
    }

    /// Most `tag` query parameters one push applies (the spec asks for at least 10; beyond this, 414).
    package static let maximumTagsPerPush = 100

    /// The `tag` query parameters of a manifest push, validated and without repeats, in order.
    /// - Throws: `MANIFEST_INVALID` (400) for a value that is not a tag, 414 beyond
    ///   ``maximumTagsPerPush`` — before anything is stored.
    package static func queryTags(_ query: FormParameters) throws(RegistryError) -> [Tag] {
        let values = query.all("tag")
        guard values.count <= maximumTagsPerPush else {
            throw RegistryError(.tooManyTags, "at most \(maximumTagsPerPush) tag parameters are applied per push, got \(values.count)")
        }
        var tags: [Tag] = []
        for value in values {
            guard let tag = Tag(value) else {
                throw RegistryError(.manifestInvalid, "invalid tag '\(shown(value))' in the tag query parameter")
            }
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    /// A client-supplied string as an error message quotes it: at most 128 characters.
    private static func shown(_ text: String) -> String {
        text.count > 128 ? String(text.prefix(128)) + "…" : text
    }
}
