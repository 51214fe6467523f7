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

/// The portal's routes. A page needs a live session of a user who still exists: a browser without
/// one is sent to sign in through the login plane (the code flow with PKCE, as the portal client,
/// the `state` bound to the browser by a signed cookie) and brought back to the page it asked for.
/// Every POST must carry the session's form token (and, when the browser names one, this
/// installation's origin): without it the answer is 403 and nothing changes.
package struct PortalRoutes: Sendable {
    let services: PortalServices
    let view: PortalView

    /// Cookie names: `__Host-` makes a browser keep them only when set `Secure`, for `/`, without
    /// a domain, from this host.
    static let sessionCookie = "__Host-kura-session"
    static let signInCookie = "__Host-kura-signin"
    /// Marks a page's own background refresh (portal.js): it does not restart the session's idle
    /// timer, and without a session it is answered 401 rather than sent to sign in.
    static let refreshHeader = HTTPField.Name("X-Kura-Refresh")!

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
        router.get("/portal/signin") { request, context in await finishSignIn(request, logger: context.logger) }
        router.get("/portal/signedout") { _, _ in
            view.page("signedout", title: "Signed out", crumbs: [], model: [:], chrome: .init(userName: nil, csrfToken: nil, notice: nil))
        }
        // Sign-out: a live session needs its form token (no other site signs a user out); one
        // that has ended already is only forgotten by the browser.
        let signOut = formHandler(formLimit: PortalRoute.formLimit) { request in
            services.sessions.end(request.session.id)
            var response = Self.seeOther("/portal/signedout")
            response.setCookie(Self.expired(Self.sessionCookie))
            return response
        }
        router.post("/portal/signout") { request, context in
            guard await liveSession(request, touch: false) == nil else { return try await signOut(request, context) }
            var response = Self.seeOther("/portal/signedout")
            response.setCookie(Self.expired(Self.sessionCookie))
            return response
        }
        // Anything else under /portal: the portal's own 404, with its headers.
        router.get("/portal/**") { _, _ in Self.notFound }
        router.post("/portal/**") { _, _ in Self.notFound }
        for route in PortalRoute.all {
            switch route.method {
            case .post: post(route.path, formLimit: route.formLimit, on: router, route.handler)
            default: get(route.path, on: router, route.handler)
            }
        }
    }

    // MARK: Registration

    func get(_ path: String, on router: Router<KuraRequestContext>, _ handler: @escaping PortalRoute.Handler) {
        router.get(RouterPath(path)) { request, context in
            let refresh = request.headers[Self.refreshHeader] != nil
            guard let session = await liveSession(request, touch: !refresh) else {
                if refresh { return PortalView.html("<!doctype html><title>Signed out</title>", status: .unauthorized) }
                // Back to the page asked for (a very long address would not fit the sign-in cookie).
                let asked = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return beginSignIn(returnTo: request.uri.path.hasPrefix("/portal/") && asked.utf8.count <= 1024 ? asked : "/portal/")
            }
            return await respond(request, context, session: session, form: FormParameters(request.uri.query), refresh: refresh, handler)
        }
    }

    func post(_ path: String, formLimit: Int, on router: Router<KuraRequestContext>, _ handler: @escaping PortalRoute.Handler) {
        router.post(RouterPath(path), use: formHandler(formLimit: formLimit, handler))
    }

    /// A form's target: the session, its origin and form token checked before `handler` runs.
    func formHandler(formLimit: Int, _ handler: @escaping PortalRoute.Handler) -> @Sendable (Request, KuraRequestContext) async throws -> Response {
        { request, context in
            // A form from another site (its Origin), without a session, without this session's
            // token or with another session's: refused, the session checked before the body is read.
            let origin = request.headers[.origin]
            guard let session = await liveSession(request, touch: true), origin == nil || origin == services.endpoints.main else {
                return forbidden(nil)
            }
            var mutable = request
            let body: ByteBuffer
            do {
                body = try await mutable.collectBody(upTo: formLimit)
            } catch {
                return view.page("error", title: "Too large", crumbs: [], model: ["message": "The form is larger than this page takes (\(formLimit >> 10) KiB)."],
                                 chrome: .init(userName: session.displayName, csrfToken: nil, notice: nil), status: HTTPResponse.Status(code: 413))
            }
            let form = FormParameters(Substring(String(buffer: body)))
            guard constantTimeEquals(form["csrf"] ?? "", session.csrfToken) else { return forbidden(session) }
            return await respond(request, context, session: session, form: form, refresh: false, handler)
        }
    }

    func forbidden(_ session: PortalSessions.Session?) -> Response {
        view.page("error", title: "Forbidden", crumbs: [],
                  model: ["message": "This form did not come from your current session (its form token is missing or belongs to another session). Reload the page and try again."],
                  chrome: .init(userName: session?.displayName, csrfToken: nil, notice: nil), status: .forbidden)
    }

    /// The request's session, when it is live and its user still exists (a deleted user's
    /// sessions end at their next request).
    func liveSession(_ request: Request, touch: Bool) async -> PortalSessions.Session? {
        guard let session = services.sessions.session(request.cookies[Self.sessionCookie]?.value, touch: touch) else { return nil }
        guard ((try? await services.directory.principal(objectID: session.objectID)) ?? nil) != nil else {
            services.sessions.end(session.id)
            return nil
        }
        return session
    }

    /// Runs a page for a live session; a refusal from any plane becomes an error page with the
    /// plane's own message and status (a failure no plane named: 500, logged, nothing shown of it).
    func respond(_ request: Request, _ context: KuraRequestContext, session: PortalSessions.Session, form: FormParameters, refresh: Bool,
                 _ handler: PortalRoute.Handler) async -> Response {
        let chrome = PortalView.Chrome(userName: session.displayName, csrfToken: session.csrfToken, notice: nil)
        do {
            let caller = ManagementCaller(objectID: session.objectID, grants: try await services.access.grants(of: session.objectID))
            return try await handler(PortalRequest(http: request, context: context, session: session, form: form, caller: caller,
                                                   services: services, view: view, isRefresh: refresh))
        } catch {
            guard let refusal = Self.refusal(error) else {
                context.logger.error("portal page failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
                return view.page("error", title: "Something went wrong", crumbs: [PortalView.Crumb("Home", "/portal/")],
                                 model: ["message": "The request failed inside kura; the server's log has the details."], chrome: chrome,
                                 status: .internalServerError)
            }
            let status = refusal.status
            return view.page("error", title: status == 403 ? "Not authorized" : (status == 404 ? "Not found" : "Request refused"),
                             crumbs: [PortalView.Crumb("Home", "/portal/")], model: ["message": refusal.message], chrome: chrome,
                             status: HTTPResponse.Status(code: status))
        }
    }

    /// A plane's refusal as its API would answer it (nil for a failure no plane named).
    static func refusal(_ error: any Error) -> Refusal? {
        switch error {
        case let error as PortalFailure: Refusal(status: error.status, code: "", message: error.message)
        case let error as ManagementError: Refusal(status: error.status, code: error.code, message: error.message)
        case let error as KeyVaultError: Refusal(status: error.status, code: error.code, message: error.message)
        case let error as DirectoryError: Refusal(status: 400, code: "", message: error.description)
        case let error as RegistryError: Refusal(status: error.code.status, code: error.code.name, message: error.description)
        default: nil
        }
    }

    // MARK: Sign-in

    /// Sends the browser to the login plane's sign-in page for the portal client.
    func beginSignIn(returnTo: String) -> Response {
        let (state, challenge, cookie) = services.sessions.beginSignIn(returnTo: returnTo)
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
        response.setCookie(Cookie(name: Self.signInCookie, value: cookie, maxAge: Int(PortalSessions.signInTimeout / 1000), path: "/",
                                  secure: true, httpOnly: true, sameSite: .lax))
        return response
    }

    /// The login plane's answer: the code is redeemed with the verifier of its `state`, the token
    /// verified like any management token, and a session started for the user it names.
    func finishSignIn(_ request: Request, logger: Logger) async -> Response {
        let query = FormParameters(request.uri.query)
        let chrome = PortalView.Chrome(userName: nil, csrfToken: nil, notice: nil)
        func failed(_ message: String) -> Response {
            var response = view.page("signedout", title: "Sign-in failed", crumbs: [], model: ["error": message], chrome: chrome,
                                     status: .badRequest)
            response.setCookie(Self.expired(Self.signInCookie))
            return response
        }
        // An error's own text is not shown: anyone can send a browser here with any text.
        if query["error"] != nil { return failed("The sign-in was not completed. Sign in again.") }
        guard let state = query["state"], let pending = services.sessions.finishSignIn(state: state,
                                                                                     cookie: request.cookies[Self.signInCookie]?.value) else {
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
            logger.error("portal sign-in failed", metadata: ["error": "\(String(reflecting: error))"])
            return failed("The sign-in could not be completed; the server's log has the details.")
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
