// kura — a self-hosted encrypted container registry.
// PortalRoutes: `/portal/…` on the main host — sessions, sign-in through the login plane, form tokens, errors.

import Foundation
import HTTPTypes
package import Hummingbird
import KuraCore
import KuraCrypto
import KuraDirectory
package import KuraHTTP
import KuraKeyVault
import KuraManagement
import KuraRegistry
import Logging
import NIOCore

/// The portal's routes. A page needs a live session: a browser without one is sent to sign in
/// through the login plane (the code flow with PKCE, as the portal client, the verifier kept
/// here and the `state` bound to the browser by a cookie) and brought back to the page it asked
/// for. Every POST must carry the session's form token (and, when the browser names one, this
/// installation's origin): without it the answer is 403 and nothing changes.
package struct PortalRoutes: Sendable {
    let services: PortalServices
    let view: PortalView

    /// Cookie names: `__Host-` makes a browser keep them only when set `Secure`, for `/`, without
    /// a domain, from this host.
    static let sessionCookie = "__Host-kura-session"
    static let signInCookie = "__Host-kura-signin"
    /// Largest form accepted (an imported PEM or a template fits).
    static let maximumForm = 4 << 20

    package init(services: PortalServices) throws {
        self.services = services
        self.view = try PortalView()
    }

    package func add(to router: Router<KuraRequestContext>) {
        router.get("/") { _, _ in Self.seeOther("/portal/") }
        router.get("/portal/static/:file") { _, context -> Response in
            guard let asset = PortalAssets.named(try context.parameters.require("file")) else { return Self.notFound }
            var response = Response(status: .ok, headers: [.contentType: asset.contentType],
                                    body: ResponseBody(byteBuffer: ByteBuffer(string: asset.text)))
            PortalHeaders.apply(to: &response, cacheable: true)
            return response
        }
        router.get("/portal/signin") { request, _ in await finishSignIn(request) }
        router.get("/portal/signedout") { _, _ in
            view.page("signedout", title: "Signed out", crumbs: [], model: [:], chrome: .init(userName: nil, csrfToken: nil, notice: nil))
        }
        post("/portal/signout", on: router) { request in
            services.sessions.end(request.session.id)
            var response = Self.seeOther("/portal/signedout")
            response.setCookie(Self.expired(Self.sessionCookie))
            return response
        }
        for route in PortalRoute.all {
            switch route.method {
            case .post: post(route.path, on: router, route.handler)
            default: get(route.path, on: router, route.handler)
            }
        }
    }

    // MARK: Registration

    func get(_ path: String, on router: Router<KuraRequestContext>, _ handler: @escaping PortalRoute.Handler) {
        router.get(RouterPath(path)) { request, context in
            guard let session = services.sessions.session(request.cookies[Self.sessionCookie]?.value) else {
                return beginSignIn(returnTo: request.uri.path.hasPrefix("/portal/") ? request.uri.string : "/portal/")
            }
            return await respond(request, context, session: session, form: FormParameters(request.uri.query), handler)
        }
    }

    func post(_ path: String, on router: Router<KuraRequestContext>, _ handler: @escaping PortalRoute.Handler) {
        router.post(RouterPath(path)) { request, context in
            let session = services.sessions.session(request.cookies[Self.sessionCookie]?.value)
            var mutable = request
            let body = try await mutable.collectBody(upTo: Self.maximumForm)
            let form = FormParameters(Substring(String(buffer: body)))
            // A form from another site (its Origin), without this session's token, or with another session's: refused.
            let origin = request.headers[.origin]
            guard let session, origin == nil || origin == services.endpoints.main,
                  constantTimeEquals(form["csrf"] ?? "", session.csrfToken) else {
                return view.page("error", title: "Forbidden", crumbs: [],
                                 model: ["message": "This form did not come from your current session (its form token is missing or belongs to another session). Reload the page and try again."],
                                 chrome: .init(userName: session?.displayName, csrfToken: nil, notice: nil), status: .forbidden)
            }
            return await respond(request, context, session: session, form: form, handler)
        }
    }

    /// Runs a page for a live session; a refusal from any plane becomes an error page with the
    /// plane's own message and status (a failure no plane named: 500, logged, nothing shown of it).
    func respond(_ request: Request, _ context: KuraRequestContext, session: PortalSessions.Session, form: FormParameters,
                 _ handler: PortalRoute.Handler) async -> Response {
        let chrome = PortalView.Chrome(userName: session.displayName, csrfToken: session.csrfToken, notice: nil)
        do {
            let caller = ManagementCaller(objectID: session.objectID, grants: try await services.access.grants(of: session.objectID))
            return try await handler(PortalRequest(http: request, context: context, session: session, form: form, caller: caller,
                                                   services: services, view: view))
        } catch {
            guard let (status, message) = Self.refusal(error) else {
                context.logger.error("portal page failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
                return view.page("error", title: "Something went wrong", crumbs: [PortalView.Crumb("Home", "/portal/")],
                                 model: ["message": "The request failed inside kura; the server's log has the details."], chrome: chrome,
                                 status: .internalServerError)
            }
            return view.page("error", title: status == 403 ? "Not authorized" : (status == 404 ? "Not found" : "Request refused"),
                             crumbs: [PortalView.Crumb("Home", "/portal/")], model: ["message": message], chrome: chrome,
                             status: HTTPResponse.Status(code: status))
        }
    }

    /// The status and message of a plane's refusal, as its API would answer it.
    static func refusal(_ error: any Error) -> (Int, String)? {
        switch error {
        case let error as PortalFailure: (error.status, error.message)
        case let error as ManagementError: (error.status, error.message)
        case let error as KeyVaultError: (error.status, error.message)
        case let error as DirectoryError: (400, error.description)
        case let error as RegistryError: (error.code.status, error.description)
        default: nil
        }
    }

    // MARK: Sign-in

    /// Sends the browser to the login plane's sign-in page for the portal client.
    func beginSignIn(returnTo: String) -> Response {
        let (state, challenge) = services.sessions.beginSignIn(returnTo: returnTo)
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "client_id", value: PublicClients.portal),
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "redirect_uri", value: services.redirectURI),
            URLQueryItem(name: "scope", value: services.endpoints.managementAudience + "/user_impersonation openid profile"),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "code_challenge", value: challenge),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        var response = Self.seeOther("/\(services.directory.authority.tenantID)/oauth2/v2.0/authorize?\(query.percentEncodedQuery ?? "")")
        response.setCookie(Cookie(name: Self.signInCookie, value: state, maxAge: Int(PortalSessions.signInTimeout / 1000), path: "/",
                                  secure: true, httpOnly: true, sameSite: .lax))
        return response
    }

    /// The login plane's answer: the code is redeemed with the verifier kept for its `state`, the
    /// token verified like any management token, and a session started for the user it names.
    func finishSignIn(_ request: Request) async -> Response {
        let query = FormParameters(request.uri.query)
        let chrome = PortalView.Chrome(userName: nil, csrfToken: nil, notice: nil)
        func failed(_ message: String) -> Response {
            var response = view.page("signedout", title: "Sign-in failed", crumbs: [], model: ["error": message], chrome: chrome,
                                     status: .badRequest)
            response.setCookie(Self.expired(Self.signInCookie))
            return response
        }
        if let error = query["error"] { return failed("The sign-in was not completed: \(error) \(query["error_description"] ?? "")") }
        guard let state = query["state"], let cookie = request.cookies[Self.signInCookie]?.value, constantTimeEquals(state, cookie),
              let pending = services.sessions.finishSignIn(state: state) else {
            return failed("This sign-in was not started in this browser, or took longer than ten minutes. Sign in again.")
        }
        do {
            let issued = try await services.directory.redeem(code: query["code"], clientID: PublicClients.portal,
                                                             redirectURI: services.redirectURI, codeVerifier: pending.verifier, scope: nil)
            let claims = try await services.directory.authority.verify(issued.accessToken,
                                                                        audiences: [services.endpoints.managementAudience])
            guard let user = try await services.directory.principal(objectID: claims.oid) else {
                return failed("The signed-in user no longer exists.")
            }
            let session = services.sessions.start(objectID: user.objectID, userPrincipalName: user.userPrincipalName ?? user.displayName,
                                                  displayName: user.displayName)
            var response = Self.seeOther(pending.returnTo)
            response.setCookie(Cookie(name: Self.sessionCookie, value: session.id, path: "/", secure: true, httpOnly: true, sameSite: .lax))
            response.setCookie(Self.expired(Self.signInCookie))
            return response
        } catch let error as DirectoryError {
            return failed(error.description)
        } catch {
            return failed("The sign-in could not be completed: \(error)")
        }
    }

    // MARK: Answers

    static func seeOther(_ location: String) -> Response {
        var response = Response(status: .seeOther)
        response.headers[.location] = location
        PortalHeaders.apply(to: &response)
        return response
    }

    static var notFound: Response { PortalView.html("<!doctype html><title>Not found</title><p>Not found.</p>", status: .notFound) }

    static func expired(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true, sameSite: .lax)
    }
}
