// kura — a self-hosted encrypted container registry.
// ManifestController: GET / HEAD / PUT / DELETE /v2/<name>/manifests/<reference>.

import Foundation
import HTTPTypes
import Hummingbird
import KuraCore
import KuraRegistry
import KuraStorage
import NIOCore

struct ManifestController {
    let service: RegistryService

    func handle(_ context: RegistryRequest, repository: RepositoryName, reference: Reference) async throws -> Response {
        switch context.request.method {
        case .get, .head:
            let manifest = try await service.manifest(context.registry, repository: repository, reference: reference)
            let headers: HTTPFields = [.contentType: manifest.mediaType, .contentLength: String(manifest.size),
                                       .dockerContentDigest: manifest.digest.description, .eTag: "\"\(manifest.digest)\""]
            if context.request.method == .head { return Response(status: .ok, headers: headers, body: ResponseBody()) }
            let bytes = try await service.manifestBytes(context.registry, manifest)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
        case .put:
            var request = context.request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: ManifestDocument.maximumSize)
            } catch {
                throw RegistryError(.manifestTooLarge, "manifests are limited to \(ManifestDocument.maximumSize) bytes")
            }
            let (manifest, document) = try await service.putManifest(
                context.registry, repository: repository, reference: reference, body: Array(body.readableBytesView),
                contentType: context.request.headers[.contentType])
            var headers: HTTPFields = [.location: "/v2/\(repository)/manifests/\(manifest.digest)",
                                       .dockerContentDigest: manifest.digest.description]
            if let subject = document.subject { headers[.ociSubject] = subject.description }
            return OCIResponse.empty(.created, headers: headers)
        case .delete:
            try await service.deleteManifest(context.registry, repository: repository, reference: reference)
            return OCIResponse.empty(.accepted)
        default:
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on manifests")
        }
    }
}
