import Foundation
import KuraCore
@testable import KuraPortal
import Testing

@Suite struct PortalSessionsTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    @Test func aSessionEndsAfterItsIdleTimeoutAndEachRequestRestartsIt() {
        let sessions = PortalSessions(clock: clock)
        let started = sessions.start(objectID: "user", userPrincipalName: "alice@kura.local", displayName: "Alice")
        clock.advance(by: .milliseconds(PortalSessions.idleTimeout - 1))
        #expect(sessions.session(started.id)?.objectID == "user")
        clock.advance(by: .milliseconds(PortalSessions.idleTimeout - 1))
        #expect(sessions.session(started.id) != nil, "the request before restarted the idle timer")
        clock.advance(by: .milliseconds(PortalSessions.idleTimeout))
        #expect(sessions.session(started.id) == nil)
        clock.advance(by: .milliseconds(-PortalSessions.idleTimeout))
        #expect(sessions.session(started.id) == nil, "a timed-out session is forgotten, not merely hidden")
    }

    @Test func aSessionEndsAtItsAbsoluteTimeoutHoweverBusy() {
        let sessions = PortalSessions(clock: clock)
        let started = sessions.start(objectID: "user", userPrincipalName: "alice@kura.local", displayName: "Alice")
        let step = PortalSessions.idleTimeout / 2
        var elapsed: Int64 = 0
        while elapsed + step < PortalSessions.absoluteTimeout {
            clock.advance(by: .milliseconds(step))
            elapsed += step
            #expect(sessions.session(started.id) != nil)
        }
        clock.advance(by: .milliseconds(PortalSessions.absoluteTimeout - elapsed))
        #expect(sessions.session(started.id) == nil)
    }

    @Test func signOutEndsTheSessionAndSessionsHaveTheirOwnIdsAndFormTokens() {
        let sessions = PortalSessions(clock: clock)
        let first = sessions.start(objectID: "a", userPrincipalName: "a@kura.local", displayName: "A")
        let second = sessions.start(objectID: "a", userPrincipalName: "a@kura.local", displayName: "A")
        #expect(first.id != second.id && first.csrfToken != second.csrfToken && first.id != first.csrfToken)
        #expect(first.id.count == 43 && first.csrfToken.count == 43, "256 random bits each")
        sessions.end(first.id)
        #expect(sessions.session(first.id) == nil && sessions.session(second.id) != nil)
        #expect(sessions.session(nil) == nil && sessions.session("") == nil)
    }

    @Test func draftsStayWithTheirSession() {
        let sessions = PortalSessions(clock: clock)
        let first = sessions.start(objectID: "a", userPrincipalName: "a@kura.local", displayName: "A")
        let second = sessions.start(objectID: "b", userPrincipalName: "b@kura.local", displayName: "B")
        sessions.updateDrafts(of: first.id) { $0["registry"] = ["name": "one"] }
        #expect(sessions.session(first.id)?.drafts["registry"]?["name"] == "one")
        #expect(sessions.session(second.id)?.drafts.isEmpty == true)
        sessions.end(first.id)
        sessions.updateDrafts(of: first.id) { $0["registry"] = ["name": "two"] }
        #expect(sessions.session(first.id) == nil, "a draft never brings an ended session back")
    }

    @Test func aSignInStateIsUsedOnceAndOnlyWithinTenMinutes() {
        let sessions = PortalSessions(clock: clock)
        let (state, challenge) = sessions.beginSignIn(returnTo: "/portal/groups/rg")
        #expect(challenge.count == 43 && state != challenge)
        let pending = sessions.finishSignIn(state: state)
        #expect(pending?.returnTo == "/portal/groups/rg")
        #expect(sessions.finishSignIn(state: state) == nil, "one use")

        let (late, _) = sessions.beginSignIn(returnTo: "/portal/")
        clock.advance(by: .milliseconds(PortalSessions.signInTimeout))
        #expect(sessions.finishSignIn(state: late) == nil)
        #expect(sessions.finishSignIn(state: "made-up") == nil)
    }
}
