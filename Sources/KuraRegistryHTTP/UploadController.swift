// kura — a self-hosted encrypted container registry.
// UploadController: POST /v2/<name>/blobs/uploads/ and GET / PATCH / PUT / DELETE on a session.

import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
package import KuraCore
package import KuraRegistry
import NIOCore

package struct UploadController {
    package let service: RegistryService
    package let uploads: UploadService

    /// `POST …/blobs/uploads/`: monolithic (`?digest=`), mount (`?mount=&from=`), or a new session.
    package func start(_ context: RegistryRequest, repository: RepositoryName) async throws -> Response {
        guard context.request.method == .post else {
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on \(repository)/blobs/uploads/")
        }
        if let mount = context.query["mount"] {
            let digest = try Self.digest(mount)
            let source = context.query["from"].flatMap(RepositoryName.init)
            if let blob = try await service.mount(context.registry, repository: repository, digest: digest, from: source) {
                return created(repository: repository, digest: blob.digest)
            }
        } else if let declared = context.query["digest"] {
            let digest = try Self.digest(declared)
            let blob = try await service.putBlob(context.registry, repository: repository, digest: digest, body: context.request.body)
            return created(repository: repository, digest: blob.digest)
        }
        let upload = try await uploads.start(context.registry, repository: repository)
        return status(.accepted, upload: upload, repository: repository)
    }

    /// A session: status (GET), chunk (PATCH), complete (PUT), cancel (DELETE).
    package func handle(_ context: RegistryRequest, repository: RepositoryName, id: String) async throws -> Response {
        let upload = try await uploads.session(context.registry, repository: repository, id: id)
        switch context.request.method {
        case .get:
            return status(.noContent, upload: upload, repository: repository)
        case .patch:
            let (range, length) = try Self.chunkHeaders(context.request)
            let updated = try await uploads.append(context.registry, upload: upload, body: context.request.body, range: range,
                                                   length: length)
            return status(.accepted, upload: updated, repository: repository)
        case .put:
            guard let declared = context.query["digest"] else {
                throw RegistryError(.digestInvalid, "completing an upload needs ?digest=")
            }
            let digest = try Self.digest(declared)
            let (range, length) = try Self.chunkHeaders(context.request)
            let blob = try await uploads.complete(context.registry, upload: upload, digest: digest, finalChunk: context.request.body,
                                                  range: range, length: length)
            return created(repository: repository, digest: blob.digest)
        case .delete:
            try await uploads.cancel(context.registry, upload: upload)
            return OCIResponse.empty(.noContent)
        default:
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on an upload")
        }
    }

    private func created(repository: RepositoryName, digest: ContentDigest) -> Response {
        OCIResponse.empty(.created, headers: [.location: "/v2/\(repository)/blobs/\(digest)", .dockerContentDigest: digest.description])
    }

    /// The session's `Location`, `Range` (`0-<last byte>`) and id.
    private func status(_ code: HTTPResponse.Status, upload: UploadRecord, repository: RepositoryName) -> Response {
        OCIResponse.empty(code, headers: [.location: "/v2/\(repository)/blobs/uploads/\(upload.id)",
                                          .range: "0-\(max(0, upload.size - 1))", .dockerUploadUUID: upload.id])
    }

    package static func digest(_ text: String) throws -> ContentDigest {
        guard let digest = ContentDigest(text) else { throw RegistryError(.digestInvalid, "invalid digest '\(text)'") }
        return digest
    }

    /// `Content-Range: <start>-<end>` (inclusive; `bytes ` prefix tolerated) and `Content-Length`.
    /// - Throws: `RANGE_INVALID` for a malformed range, `SIZE_INVALID` for a malformed length.
    package static func chunkHeaders(_ request: Request) throws -> (ClosedRange<Int64>?, Int64?) {
        var length: Int64?
        if let text = request.headers[.contentLength] {
            guard let value = Int64(text), (0...UploadService.largestOffset).contains(value) else {
                throw RegistryError(.sizeInvalid, "malformed Content-Length '\(text.prefix(64))'")
            }
            length = value
        }
        guard let header = request.headers[.contentRange] else { return (nil, length) }
        guard let range = contentRange(header) else {
            throw RegistryError(.rangeInvalid, "malformed Content-Range '\(header.prefix(64))'")
        }
        return (range, length)
    }

    /// Parses an upload chunk's `Content-Range` (`<start>-<end>`, inclusive; `bytes ` prefix and a
    /// `/<total>` suffix tolerated). Both ends lie in `0...UploadService.largestOffset`, so the
    /// range's length never overflows.
    package static func contentRange(_ header: String) -> ClosedRange<Int64>? {
        var text = Substring(header.trimmingCharacters(in: .whitespaces))
        if text.lowercased().hasPrefix("bytes ") { text = text.dropFirst(6) }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]),
              start >= 0, end >= start, end <= UploadService.largestOffset else { return nil }
        return start...end
    }
}
