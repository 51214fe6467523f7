// kura — a self-hosted encrypted container registry.
// SignInRoutes: `/{tenant}/oauth2/v2.0/authorize` — the page where a user signs in for a client.

package import KuraHTTP
import Foundation
import HTTPTypes
package import Hummingbird
import KuraCore
package import KuraDirectory
import NIOCore

/// The authorization endpoint of the code flow with PKCE: `GET` checks the client's request and
/// shows the sign-in form; `POST` (the form) signs the user in and sends the browser back to the
/// client's redirect URI with `code` and `state`. A request that names no known client or
/// redirect URI is answered here, never redirected (an open redirect otherwise); a wrong password
/// shows the form again with Entra ID's message. The page has no script and may not be framed.
package struct SignInRoutes {
    package let directory: DirectoryService

    /// The request's parameters the form carries through.
    static let carried = ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"]

    package func add(to router: Router<KuraRequestContext>) {
        router.get("/:tenant/oauth2/v2.0/authorize") { request, context -> Response in
            let form = FormParameters(request.uri.query)
            do {
                try directory.requireSignInTenant(try context.parameters.require("tenant"))
                _ = try authorizationRequest(form)
                return Self.page(form, error: nil, status: .ok, sendsTo: form["redirect_uri"])
            } catch let error as DirectoryError {
                return Self.page(nil, error: error.description, status: .badRequest)
            }
        }
        router.post("/:tenant/oauth2/v2.0/authorize") { request, context -> Response in
            var mutable = request
            let body = try await mutable.collectBody(upTo: 16 << 10)
            let form = FormParameters(Substring(String(buffer: body)))
            let asked: AuthorizationRequest
            do {
                try directory.requireSignInTenant(try context.parameters.require("tenant"))
                asked = try authorizationRequest(form)
            } catch let error as DirectoryError {
                return Self.page(nil, error: error.description, status: .badRequest)
            }
            do {
                let code = try await directory.authorize(asked, userPrincipalName: form["login"] ?? "", password: form["passwd"] ?? "")
                // Each value fully percent-encoded (`+` too, which a client would read as a space).
                let query = [("code", code)] + (asked.state.map { [("state", $0)] } ?? [])
                var response = Response(status: .found)
                response.headers[.location] = asked.redirectURI + "?" + query.map { "\($0.0)=\(Self.queryValue($0.1))" }.joined(separator: "&")
                response.headers[.cacheControl] = "no-store"
                return response
            } catch let error as DirectoryError {
                return Self.page(form, error: error.description, status: .ok, sendsTo: asked.redirectURI)
            }
        }
    }

    func authorizationRequest(_ form: FormParameters) throws -> AuthorizationRequest {
        try directory.authorizationRequest(clientID: form["client_id"], redirectURI: form["redirect_uri"], responseType: form["response_type"],
                                           scope: form["scope"], state: form["state"], codeChallenge: form["code_challenge"],
                                           codeChallengeMethod: form["code_challenge_method"])
    }

    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    /// The sign-in form (when `form` is a valid request) or only the error. `sendsTo` is the
    /// checked redirect URI the form's answer redirects to: browsers hold a form's redirect to
    /// `form-action` too.
    static func page(_ form: FormParameters?, error: String?, status: HTTPResponse.Status, sendsTo redirect: String? = nil) -> Response {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in — kura</title></head>
            <body><main><h1>Sign in</h1>
            """
        if let error { html += "<p role=\"alert\">\(escaped(error))</p>" }
        if let form {
            html += "<form method=\"post\">"
            for name in carried { if let value = form[name] { html += "<input type=\"hidden\" name=\"\(name)\" value=\"\(escaped(value))\">" } }
            html += """
                <p><label for="login">User name</label><br><input id="login" name="login" type="email" autocomplete="username" required value="\(escaped(form["login"] ?? ""))"></p>
                <p><label for="passwd">Password</label><br><input id="passwd" name="passwd" type="password" autocomplete="current-password" required></p>
                <p><button type="submit">Sign in</button></p></form>
                """
        }
        html += "</main></body></html>\n"
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        response.headers[.cacheControl] = "no-store"
        let origin = redirect.flatMap { URLComponents(string: $0) }.flatMap { url in
            url.scheme.flatMap { scheme in url.host.map { "\(scheme)://\($0)" + (url.port.map { ":\($0)" } ?? "") } }
        }
        response.headers[contentSecurityPolicy] = "default-src 'none'; form-action 'self'\(origin.map { " " + $0 } ?? ""); frame-ancestors 'none'; base-uri 'none'"
        response.headers[frameOptions] = "DENY"
        response.headers[referrerPolicy] = "no-referrer"
        response.headers[contentTypeOptions] = "nosniff"
        return response
    }

    /// `value` for a query: everything but unreserved characters percent-encoded.
    static func queryValue(_ value: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// `text` safe inside HTML text and double-quoted attributes.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
