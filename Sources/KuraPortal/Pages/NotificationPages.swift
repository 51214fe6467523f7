// kura — a self-hosted encrypted container registry.
// NotificationPages: the deployments this session started, as notifications every page shows and
// keeps current without a reload.

import Foundation
import Hummingbird
import KuraAPI
import KuraCore

/// A long operation started in the portal — a deployment — is remembered in the session; every
/// page's layout then holds a notifications region that portal.js fills from
/// `/portal/notifications` and refreshes while one is still running (without script, the
/// Deployments page and the deployment's own page say the same after a reload).
enum NotificationPages {
    static var routes: [PortalRoute] { [.get("/portal/notifications", notifications)] }

    static let draftName = "notifications"
    /// Milliseconds a finished operation stays listed.
    static let shownFor: Int64 = 30 * 60 * 1000

    /// The session's operations still to be shown (started within ``shownFor``), by `group/name`.
    static func live(_ drafts: [String: [String: String]], now: Int64) -> [String: Int64] {
        (drafts[draftName] ?? [:]).compactMapValues { Int64($0) }.filter { $0.value > now - shownFor }
    }

    /// Whether every page should show the notifications region.
    static func isTracking(_ session: PortalSessions.Session, now: Int64) -> Bool { !live(session.drafts, now: now).isEmpty }

    /// Remembers a deployment the user started (group and name), for the notifications.
    static func track(deployment name: String, in group: String, request: PortalRequest) {
        let now = request.services.sessions.clock.milliseconds
        var tracked = live(request.session.drafts, now: now).mapValues(String.init)
        if tracked.count >= 10, let oldest = tracked.min(by: { (Int64($0.value) ?? 0) < (Int64($1.value) ?? 0) })?.key { tracked[oldest] = nil }
        tracked["\(group)/\(name)"] = String(now)
        request.saveDraft(draftName, tracked)
    }

    @Sendable static func notifications(_ request: PortalRequest) async throws -> Response {
        let now = request.services.sessions.clock.milliseconds
        var rows: [(started: Int64, row: [String: Any])] = []
        var running = false
        let current = live(request.session.drafts, now: now)
        request.saveDraft(draftName, current.mapValues(String.init))
        for (key, started) in current {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let state: String
            do {
                state = try await request.arm("GET", request.deploymentPath(parts[0], parts[1]), apiVersion: APIVersions.resources)?["properties"]?["provisioningState"]?.stringValue ?? "Unknown"
            } catch {
                guard PortalRoutes.refusal(error) != nil else { throw error }
                state = "Not found"
            }
            let isRunning = ["Accepted", "Running"].contains(state)
            running = running || isRunning
            rows.append((started, ["text": "Deployment '\(parts[1])' to '\(parts[0])': \(state)", "href": DeploymentPages.link(parts[0], parts[1]),
                                   "running": isRunning, "failed": state == "Failed"]))
        }
        return request.render("notifications", title: "Notifications", crumbs: [PortalView.Crumb("Notifications")], [
            "items": rows.sorted { $0.started > $1.started }.map(\.row), "running": running, "tracking": false,
        ])
    }
}
