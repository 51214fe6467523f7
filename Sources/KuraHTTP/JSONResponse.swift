// kura — a self-hosted encrypted container registry.
// JSONResponse: a JSON body from Foundation's objects (what Azure AD's and Graph's shapes are written as).

import Foundation
package import HTTPTypes
package import Hummingbird
import NIOCore

/// A JSON response.
package func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
