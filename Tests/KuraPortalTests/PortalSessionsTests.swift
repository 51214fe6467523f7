import Foundation
import KuraCore
import KuraDirectory
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

    @Test func aSignInIsFinishedOnlyWithItsOwnSignedCookieWithinTenMinutes() {
        let sessions = PortalSessions(clock: clock)
        let (state, challenge, cookie) = sessions.beginSignIn(returnTo: "/portal/groups/rg?tab=x")
        #expect(challenge.count == 43 && state != challenge && cookie.hasPrefix(state + "."))
        let pending = sessions.finishSignIn(state: state, cookie: cookie)
        #expect(pending?.returnTo == "/portal/groups/rg?tab=x")
        #expect(pending.map { DirectoryService.challenge(of: $0.verifier) } == challenge, "the verifier answers the challenge sent")

        let (other, _, otherCookie) = sessions.beginSignIn(returnTo: "/portal/")
        #expect(sessions.finishSignIn(state: other, cookie: cookie) == nil, "another sign-in's cookie")
        #expect(sessions.finishSignIn(state: state, cookie: nil) == nil, "no cookie: another browser")
        var forged = cookie.split(separator: ".").map(String.init)
        forged[2] = Data("https://evil.example/".utf8).base64URLEncodedString()
        #expect(sessions.finishSignIn(state: state, cookie: forged.joined(separator: ".")) == nil, "a changed return address")
        #expect(PortalSessions(clock: clock).finishSignIn(state: state, cookie: cookie) == nil, "another process's key")

        clock.advance(by: .milliseconds(PortalSessions.signInTimeout))
        #expect(sessions.finishSignIn(state: other, cookie: otherCookie) == nil, "ten minutes are up")
    }

    @Test func aUserHoldsAtMostTwentySessionsAndDraftsStayBounded() {
        let sessions = PortalSessions(clock: clock)
        var started: [PortalSessions.Session] = []
        for _ in 0..<(PortalSessions.perUser + 1) {
            started.append(sessions.start(objectID: "busy", userPrincipalName: "b@kura.local", displayName: "B"))
            clock.advance(by: .milliseconds(1))
        }
        #expect(sessions.session(started[0].id) == nil, "the least recently used went")
        #expect(started.dropFirst().allSatisfy { sessions.session($0.id) != nil })

        let session = started.last!
        for index in 0..<(PortalSessions.draftLimit + 4) {
            sessions.updateDrafts(of: session.id) { $0["draft-\(index)"] = ["field": "value"] }
        }
        #expect(sessions.session(session.id)!.drafts.count <= PortalSessions.draftLimit)
        let large = String(repeating: "x", count: PortalSessions.draftBytesLimit * 2 / 3)
        sessions.updateDrafts(of: session.id) { $0["notice"] = ["text": "kept"] }
        sessions.updateDrafts(of: session.id) { $0["big"] = ["template": large] }
        sessions.updateDrafts(of: session.id) { $0["big2"] = ["template": large] }
        var drafts = sessions.session(session.id)!.drafts
        #expect(drafts["big2"] != nil && drafts["big"] == nil, "past the byte limit the largest other draft goes first")
        #expect(drafts["notice"]?["text"] == "kept", "small drafts stay")
        let oversized = String(repeating: "x", count: PortalSessions.draftBytesLimit + 1)
        sessions.updateDrafts(of: session.id) { $0["huge"] = ["template": oversized] }
        drafts = sessions.session(session.id)!.drafts
        #expect(drafts["huge"] == nil && drafts["big2"] != nil, "a draft larger than the limit by itself is not kept")
    }

    @Test func allSessionsDraftsTogetherStayWithinTheirBudgetTheIdlestGoingFirst() {
        let sessions = PortalSessions(clock: clock)
        let perSession = PortalSessions.draftBytesLimit - 1024
        let needed = PortalSessions.totalDraftBytesLimit / perSession + 2
        var started: [PortalSessions.Session] = []
        for index in 0..<needed {
            let session = sessions.start(objectID: "user-\(index)", userPrincipalName: "u\(index)@kura.local", displayName: "U")
            sessions.updateDrafts(of: session.id) { $0["deployment"] = ["template": String(repeating: "x", count: perSession)] }
            started.append(session)
            clock.advance(by: .milliseconds(1))
        }
        let kept = started.map { sessions.session($0.id, touch: false)?.drafts["deployment"] != nil }
        #expect(kept.first == false, "the least recently used session's draft went")
        #expect(kept.last == true)
        #expect(kept.filter { $0 }.count * perSession <= PortalSessions.totalDraftBytesLimit)
    }

    @Test func aBackgroundRefreshDoesNotKeepASessionAlive() {
        let sessions = PortalSessions(clock: clock)
        let started = sessions.start(objectID: "user", userPrincipalName: "alice@kura.local", displayName: "Alice")
        for _ in 0..<3 {
            clock.advance(by: .milliseconds(PortalSessions.idleTimeout / 2))
            _ = sessions.session(started.id, touch: false)
        }
        #expect(sessions.session(started.id) == nil)
    }
}
