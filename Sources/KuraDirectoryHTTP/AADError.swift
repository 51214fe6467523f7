// kura — a self-hosted encrypted container registry.
// AADError: Azure AD's OAuth2 error shape (the token endpoints); ARM's token challenge.

import Foundation
import KuraAPI
package import HTTPTypes
package import Hummingbird
package import KuraDirectory
package import KuraHTTP
import NIOCore

/// An error in Azure AD's OAuth2 shape: `{"error","error_description","error_codes",…}`.
package struct AADError: Error, HTTPResponseError {
    package let error: DirectoryError

    package init(_ error: DirectoryError) { self.error = error }

    package var status: HTTPResponse.Status { HTTPResponse.Status(code: error.code.status) }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = OAuthErrorBody(error: error.code.error, errorDescription: error.description, errorCodes: [error.code.number],
                                  timestamp: ISO8601DateFormatter().string(from: Date()), traceID: UUID().uuidString.lowercased(),
                                  correlationID: UUID().uuidString.lowercased())
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: WireJSON.encode(body))))
    }
}

extension AzureError {
    /// ARM's answer to a request without a token, with the challenge az and the SDKs follow.
    package static func authenticationMissing(endpoints: InstallationEndpoints, tenant: String) -> AzureError {
        var error = AzureError(status: .unauthorized, code: "AuthenticationFailed",
                               message: "Authentication failed. The 'Authorization' header is missing.")
        error.headers[.wwwAuthenticate] = "Bearer authorization_uri=\"\(endpoints.main)/\(tenant)\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\""
        return error
    }
}
