// kura — a self-hosted encrypted container registry.
// PortalView: the portal's Mustache templates, compiled once, and the page every template fills.

import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders the portal's pages. Every page is a template that fills the `layout` template's
/// `content` block; `{{…}}` escapes HTML, so nothing a user typed reaches a page as markup.
struct PortalView: Sendable {
    let library: MustacheLibrary

    /// Compiles every template (a template that does not parse is a programming error, caught by
    /// the portal's tests, which render each one).
    init() throws {
        var library = MustacheLibrary()
        for (name, text) in PortalTemplates.all { try library.register(text, named: name) }
        self.library = library
    }

    /// One page: `template` with `model`, inside the layout with the signed-in user's name, the
    /// session's form token, the title and breadcrumbs.
    func page(_ template: String, title: String, crumbs: [Crumb], model: [String: Any], chrome: Chrome,
              status: HTTPResponse.Status = .ok) -> Response {
        Self.html(render(template, title: title, crumbs: crumbs, model: model, chrome: chrome), status: status)
    }

    /// The page's HTML.
    func render(_ template: String, title: String, crumbs: [Crumb], model: [String: Any], chrome: Chrome) -> String {
        var context = model
        if let group = model["group"] as? String { context["groupHref"] = PortalLinks.group(group) }
        context["title"] = title
        context["crumbs"] = crumbs.enumerated().map { index, crumb -> [String: Any] in
            ["name": crumb.name, "href": crumb.href ?? "", "linked": crumb.href != nil, "last": index == crumbs.count - 1]
        }
        context["user"] = chrome.userName.map { ["name": $0] } ?? false
        context["csrf"] = chrome.csrfToken ?? ""
        context["notice"] = chrome.notice.map { ["text": $0] } ?? false
        if context["tracking"] == nil { context["tracking"] = chrome.tracking }
        return library.render(context, withTemplate: template) ?? "<!doctype html><title>kura</title><p>The page could not be rendered.</p>"
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        PortalHeaders.apply(to: &response)
        return response
    }

    /// One breadcrumb: a name and, but for the current page, where it leads.
    struct Crumb {
        let name: String
        let href: String?
        init(_ name: String, _ href: String? = nil) {
            self.name = name
            self.href = href
        }
    }

    /// What the layout shows around every page.
    struct Chrome {
        let userName: String?
        let csrfToken: String?
        let notice: String?
        /// Whether the session has operations to report (the layout then loads the notifications).
        var tracking = false
    }
}

/// The headers every portal response carries: no script but the portal's own file, no inline
/// style or script, no framing, no sniffing, no caching of pages that show a session's data.
enum PortalHeaders {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func apply(to response: inout Response, cacheable: Bool = false) {
        response.headers[contentSecurityPolicy] = policy
        response.headers[frameOptions] = "DENY"
        response.headers[contentTypeOptions] = "nosniff"
        response.headers[referrerPolicy] = "same-origin"
        response.headers[.cacheControl] = cacheable ? "public, max-age=3600" : "no-store"
    }
}
