// kura — a self-hosted encrypted container registry.
// JSONResponse: a JSON body from Foundation's objects (what Azure AD's and Graph's shapes are written as).

import Foundation
import KuraAPI
package import HTTPTypes
package import Hummingbird
import NIOCore

/// A JSON response with a `KuraAPI` model.
package func json(_ model: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
             body: ResponseBody(byteBuffer: ByteBuffer(bytes: WireJSON.encode(model))))
}

/// A JSON response from Foundation's objects (the discovery documents only az and MSAL read).
package func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
