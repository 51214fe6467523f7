// kura — a self-hosted encrypted container registry.
// BlobController: GET / HEAD / DELETE /v2/<name>/blobs/<digest>.

import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
package import KuraCore
package import KuraRegistry
import NIOCore

package struct BlobController {
    package let service: RegistryService

    package func handle(_ context: RegistryRequest, repository: RepositoryName, digest: ContentDigest) async throws -> Response {
        switch context.request.method {
        case .head:
            let blob = try await service.blob(context.registry, repository: repository, digest: digest)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream", .contentLength: String(blob.size),
                                                   .dockerContentDigest: digest.description, .acceptRanges: "bytes"],
                            body: ResponseBody())
        case .get:
            return try await get(context, repository: repository, digest: digest)
        case .delete:
            try await service.deleteBlob(context.registry, repository: repository, digest: digest)
            return OCIResponse.empty(.accepted, headers: [.dockerContentDigest: digest.description])
        default:
            throw RegistryError(.methodNotAllowed, "\(context.method) is not supported on blobs")
        }
    }

    /// Whole blob (200) or one `Range` (206 + `Content-Range`; 416 when unsatisfiable).
    private func get(_ context: RegistryRequest, repository: RepositoryName, digest: ContentDigest) async throws -> Response {
        let blob = try await service.openBlob(context.registry, repository: repository, digest: digest)
        var headers: HTTPFields = [.contentType: "application/octet-stream", .dockerContentDigest: digest.description,
                                   .acceptRanges: "bytes", .eTag: "\"\(digest)\""]
        guard let rangeHeader = context.request.headers[.range] else {
            headers[.contentLength] = String(blob.size)
            return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: try await service.blobs.read(blob)))
        }
        guard let range = ByteRange.parse(rangeHeader, size: blob.size) else {
            var error = OCIError(status: .rangeNotSatisfiable, code: "RANGE_INVALID",
                                 message: "range '\(rangeHeader)' cannot be satisfied by a \(blob.size)-byte blob")
            error.headers[.contentRange] = "bytes */\(blob.size)"
            throw error
        }
        headers[.contentLength] = String(range.count)
        headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(blob.size)"
        return Response(status: .partialContent, headers: headers,
                        body: ResponseBody(asyncSequence: try await service.blobs.read(blob, range: range)))
    }
}

/// A single `Range: bytes=…` request (RFC 9110 §14.1.2) against a representation of `size` bytes.
package enum ByteRange {
    /// The byte range, or nil when malformed, multi-range, or unsatisfiable.
    package static func parse(_ header: String, size: Int64) -> Range<Int64>? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0, size > 0 else { return nil }
            return max(0, size - suffix)..<size
        }
        guard let start = Int64(first), start >= 0, start < size else { return nil }
        if last.isEmpty { return start..<size }
        guard let end = Int64(last), end >= start else { return nil }
        return start..<(min(end, size - 1) + 1)
    }
}
