// kura — a self-hosted encrypted container registry.
// PortalRequest: one signed-in request — its session, form, caller — and the calls a page makes.

import Foundation
import HTTPTypes
import Hummingbird
import KuraAPI
import KuraCore
import KuraDirectory
import KuraHTTP
import KuraKeyVault
import KuraManagement

/// A portal request whose session is live (and, for a POST, whose form token matched). Pages call
/// ARM and the vaults through it as the signed-in user: whatever that user may not do is refused
/// by the same rule, with the same message, as it would be over the API.
struct PortalRequest {
    let http: Request
    let context: KuraRequestContext
    let session: PortalSessions.Session
    /// The query's parameters (GET) or the form's fields (POST).
    let form: FormParameters
    let caller: ManagementCaller
    let services: PortalServices
    let view: PortalView
    /// A page's own background refresh (it leaves the session's notice for the next page).
    let isRefresh: Bool

    var subscriptionID: String { services.subscriptionID }
    var subscriptionPath: String { "/subscriptions/\(subscriptionID)" }
    var subscriptionScope: ResourceID { ResourceID(subscription: subscriptionID) }

    /// A path parameter of the route (`:group`, `:vault`, …), percent-decoded (the portal's links
    /// encode every character but ASCII letters, digits and `-._~`).
    /// - Throws: ``PortalFailure`` 400 for one that does not decode or holds a `/`.
    func parameter(_ name: String) throws -> String {
        guard let value = try context.parameters.require(name).removingPercentEncoding, !value.isEmpty, !value.contains("/") else {
            throw PortalFailure(400, "The address names no valid \(name).")
        }
        return value
    }

    /// A form field, trimmed; "" when absent.
    func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    // MARK: Calls

    /// An ARM call as the signed-in user, through ``ManagementAPI`` (the body answered, if any).
    /// - Throws: ``ManagementError`` as ARM would answer it.
    @discardableResult
    func arm(_ method: String, _ path: String, apiVersion: String, body: JSONValue? = nil,
             query: [String: String] = [:]) async throws -> JSONValue? {
        var parameters = query
        parameters["api-version"] = apiVersion
        return try await services.management.handle(ManagementRequest(method: method, path: path, query: parameters, body: body,
                                                                      caller: caller)).body
    }

    /// The `value` of an ARM list (every page of it).
    func armList(_ path: String, apiVersion: String, query: [String: String] = [:]) async throws -> [JSONValue] {
        try await Self.everyPage(query) { try await arm("GET", path, apiVersion: apiVersion, query: $0) }
    }

    /// The `value`s of a list answered a page at a time, each page naming the next in its
    /// `nextLink`'s `$skiptoken` (a token seen before ends the list).
    static func everyPage(_ query: [String: String], _ page: ([String: String]) async throws -> JSONValue?) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var query = query
        var seen: Set<String> = []
        while true {
            let answer = try await page(query)
            items += answer?["value"]?.arrayValue ?? []
            guard let next = answer?["nextLink"]?.stringValue,
                  let token = URLComponents(string: next)?.queryItems?.first(where: { $0.name == "$skiptoken" })?.value,
                  seen.insert(token).inserted else { return items }
            query["$skiptoken"] = token
        }
    }

    /// A Key Vault operation in `vault` as the signed-in user: authorized by the vault's access
    /// policies and audited as if it came over HTTPS from this browser's address.
    /// - Throws: ``KeyVaultError`` (404 `VaultNotFound` for a vault that does not exist).
    @discardableResult
    func vault(_ route: KeyVaultRoute, in vault: String, body: JSONValue? = nil, query: [String: String] = [:]) async throws -> JSONValue? {
        guard let context = try await services.vaults.vault(named: vault) else {
            throw KeyVaultError(status: 404, code: "VaultNotFound", "No vault named '\(vault)' exists in this installation.")
        }
        var parameters = query
        parameters["api-version"] = "7.6"
        return try await services.vaultCalls.perform(route, body: body, query: parameters, vault: context, principal: session.objectID,
                                                     address: self.context.clientAddress, authorization: .vault).body
    }

    /// Reads the resource `id` through ARM (so it exists, in its group, and the user may see it),
    /// then requires the user's roles to allow `<type>/<action>` on it — what ARM will require of
    /// the change the page prepares.
    /// - Throws: ARM's refusal, or ARM's `AuthorizationFailed` for the action.
    func requireWrite(of id: ResourceID, action: String, path: String, apiVersion: String) async throws {
        try await arm("GET", path, apiVersion: apiVersion)
        try caller.authorize("\(id.type)/\(action)", at: id)
    }

    /// Every item of a Key Vault list (`list`, `listVersions`, `listDeleted`), page after page.
    func vaultItems(_ route: KeyVaultRoute, in vault: String) async throws -> [JSONValue] {
        try await Self.everyPage(["maxresults": "25"]) { try await self.vault(route, in: vault, query: $0) }
    }

    /// Whether the user's roles allow `action` at `scope` (a page disables what they do not).
    func may(_ action: String, at scope: ResourceID) -> Bool { caller.grants.allows(action: action, at: scope) }

    /// Runs `call`; a plane's refusal comes back (for the form to show beside the field it
    /// concerns), anything else is thrown.
    func refusal(of call: () async throws -> Void) async throws -> Refusal? {
        do {
            try await call()
            return nil
        } catch {
            guard let refusal = PortalRoutes.refusal(error) else { throw error }
            return refusal
        }
    }

    /// The form's required fields, each filled in (a browser checks them too).
    /// - Throws: ``PortalFailure`` 400 naming those left empty.
    func requireFields(_ names: String...) throws {
        let empty = names.filter { field($0).isEmpty }
        guard empty.isEmpty else { throw PortalFailure(400, "Fill in: \(empty.joined(separator: ", ")).") }
    }

    /// A deletion's confirmation: the `confirm` field must repeat `name`.
    /// - Throws: ``PortalFailure`` 400 otherwise.
    func requireConfirmation(of name: String) throws {
        guard field("confirm") == name else { throw PortalFailure(400, "Type the name '\(name)' to confirm the deletion.") }
    }

    // MARK: Answers

    func render(_ template: String, title: String, crumbs: [PortalView.Crumb], _ model: [String: Any],
                status: HTTPResponse.Status = .ok) -> Response {
        var notice: String?
        if !isRefresh, let text = session.drafts["notice"]?["text"] {
            notice = text
            services.sessions.updateDrafts(of: session.id) { $0["notice"] = nil }
        }
        return view.page(template, title: title, crumbs: [PortalView.Crumb("Home", "/portal/")] + crumbs, model: model,
                         chrome: .init(userName: session.displayName, csrfToken: session.csrfToken, notice: notice,
                                       tracking: NotificationPages.isTracking(session, now: services.sessions.clock.milliseconds)),
                         status: status)
    }

    /// 303 to `location` (a portal path), with a notice the next page shows.
    func redirect(_ location: String, notice: String? = nil) -> Response {
        if let notice { services.sessions.updateDrafts(of: session.id) { $0["notice"] = ["text": notice] } }
        return PortalRoutes.seeOther(location)
    }

    /// The session's draft `name` (a wizard's fields so far).
    func draft(_ name: String) -> [String: String] { session.drafts[name] ?? [:] }

    func saveDraft(_ name: String, _ fields: [String: String]) {
        services.sessions.updateDrafts(of: session.id) { $0[name] = fields }
    }
}

/// A plane's refusal as a page shows it: its status, code and message, in the plane's words.
struct Refusal: Sendable {
    let status: Int
    let code: String
    let message: String

    /// The form field the refusal concerns: the first of `fields` whose codes include the
    /// refusal's code, else the first whose words appear in the refusal's message with its quoted
    /// values (the names and ids the user typed) left out; nil for a refusal of the whole form —
    /// always for an authorization refusal, which is about who asks, not what was typed.
    func field(among fields: [FormField]) -> String? {
        guard !code.localizedCaseInsensitiveContains("Authorization") else { return nil }
        if let byCode = fields.first(where: { $0.codes.contains { $0.caseInsensitiveCompare(code) == .orderedSame } }) { return byCode.name }
        let text = message.replacingOccurrences(of: #"'[^']*'"#, with: "", options: .regularExpression)
        return fields.first { $0.words.contains { text.localizedCaseInsensitiveContains($0) } }?.name
    }

    /// A form's error members: `errors.<field>` beside the field it concerns, else `error` above the form.
    func formModel(fields: [FormField]) -> [String: Any] {
        guard let field = field(among: fields) else { return ["error": message, "errors": [String: String]()] }
        return ["error": false, "errors": [field: message]]
    }

    /// A form model without a refusal.
    static var none: [String: Any] { ["error": false, "errors": [String: String]()] }
}

extension Optional where Wrapped == Refusal {
    func formModel(fields: [FormField]) -> [String: Any] {
        map { $0.formModel(fields: fields) } ?? Refusal.none
    }
}

/// A refusal the portal itself states (a missing field, a confirmation not typed): shown like an
/// API's refusal, with its status.
struct PortalFailure: Error {
    let status: Int
    let message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}
