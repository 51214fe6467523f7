import Foundation
import Hummingbird
@testable import KuraPortal
import Testing

@Suite struct PortalViewTests {
    @Test func everyTemplateCompilesAndEveryPageFillsTheLayout() throws {
        let view = try PortalView()
        for (name, _) in PortalTemplates.all where !["layout", "menu", "formerror", "confirm-delete"].contains(name) {
            let html = view.render(name, title: "Title <b>", crumbs: [PortalView.Crumb("Home", "/portal/"), PortalView.Crumb("Here")],
                                   model: [:], chrome: .init(userName: "Alice", csrfToken: "token", notice: "Done"))
            #expect(html.hasPrefix("<!doctype html>"), "\(name)")
            #expect(html.contains("<h1>Title &lt;b&gt;</h1>"), "\(name): the title is escaped")
            #expect(!html.contains("{{") && !html.contains("}}"), "\(name): no tag left unrendered")
            #expect(html.contains("<script src=\"/portal/static/portal.js\" defer></script>") && !html.contains("<script>"), "\(name)")
            #expect(!html.contains(" style=") && !html.contains("onclick"), "\(name): nothing inline for the CSP to refuse")
        }
    }

    @Test func whatAUserTypedNeverBecomesMarkup() throws {
        let view = try PortalView()
        let hostile = "<script>alert(1)</script>\"'&"
        let html = view.render("home", title: "Home", crumbs: [PortalView.Crumb(hostile)],
                               model: ["search": hostile, "groups": [["name": hostile, "location": hostile, "href": "/x"]]],
                               chrome: .init(userName: hostile, csrfToken: "t", notice: hostile))
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test func everyPageForbidsFramingInlineScriptAndCaching() {
        var response = PortalView.html("<!doctype html>")
        PortalHeaders.apply(to: &response)
        let policy = response.headers[PortalHeaders.contentSecurityPolicy] ?? ""
        #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"))
        #expect(response.headers[PortalHeaders.frameOptions] == "DENY" && response.headers[.cacheControl] == "no-store")
        #expect(response.headers[PortalHeaders.contentTypeOptions] == "nosniff")
    }
}
