// kura — a self-hosted encrypted container registry.
// JSONResponse: a JSON body from a wire model (or, for a free-form document, a JSONValue).

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
