// kura — a self-hosted encrypted container registry.
// PortalSessions: who is signed in to the portal, and the sign-ins under way.

import Crypto
import Foundation
public import KuraCore
import KuraDirectory
import KuraCrypto
import Synchronization

/// The portal's sessions, in this process's memory (a restart signs everyone out). A session ends
/// after ``idleTimeout`` without a request or ``absoluteTimeout`` after its sign-in, whichever
/// comes first, and at sign-out. A sign-in under way is kept by the browser, not here (see
/// ``beginSignIn(returnTo:)``), so no number of unfinished sign-ins can push out anyone's. Times
/// are Unix milliseconds of the clock given.
public final class PortalSessions: Sendable {
    /// One signed-in browser. `id` is the cookie's value; `csrfToken` is what every form of the
    /// session must send back (a form of another session, or none, is refused).
    public struct Session: Sendable {
        public let id: String
        /// The signed-in user's object id (every page asks the directory for its roles afresh).
        public let objectID: String
        public let userPrincipalName: String
        public let displayName: String
        public let csrfToken: String
        public let signedInAt: Int64
        var lastSeenAt: Int64
        /// Half-filled wizards by name (`registry`: the create-registry tabs), their fields by name.
        public var drafts: [String: [String: String]] = [:]
        /// The bytes of `drafts` (names and values).
        var draftBytes = 0
    }

    /// A sign-in sent to the login plane and back: its PKCE verifier and where to return.
    struct PendingSignIn: Sendable {
        let verifier: String
        let returnTo: String
    }

    /// Milliseconds without a request after which a session ends (Azure's portal: one hour).
    public static let idleTimeout: Int64 = 60 * 60 * 1000
    /// Milliseconds after sign-in after which a session ends whatever its use.
    public static let absoluteTimeout: Int64 = 12 * 60 * 60 * 1000
    /// Milliseconds a sign-in may take at the login plane (its codes live ten minutes).
    static let signInTimeout: Int64 = 10 * 60 * 1000
    /// Sessions held at most (the least recently used go first), and per user.
    static let capacity = 10_000
    static let perUser = 20
    /// A session's drafts at most: how many, and their bytes (one deployment's template fits);
    /// and all sessions' drafts together.
    static let draftLimit = 16
    static let draftBytesLimit = 5 << 20
    static let totalDraftBytesLimit = 256 << 20

    let clock: any WallClock
    private let sessions = Mutex<[String: Session]>([:])
    /// Signs the sign-in cookies of this process (a restart forgets sign-ins under way).
    private let signInKey = SymmetricKey(size: .bits256)

    public init(clock: any WallClock) { self.clock = clock }

    /// Starts a session for a user who has just signed in.
    func start(objectID: String, userPrincipalName: String, displayName: String) -> Session {
        let now = clock.milliseconds
        let session = Session(id: SecretHash.generateSecret(), objectID: objectID, userPrincipalName: userPrincipalName,
                              displayName: displayName, csrfToken: SecretHash.generateSecret(), signedInAt: now, lastSeenAt: now)
        sessions.withLock { sessions in
            sessions = sessions.filter { Self.isLive($0.value, now: now) }
            let mine = sessions.values.filter { $0.objectID == objectID }
            if mine.count >= Self.perUser, let oldest = mine.min(by: { $0.lastSeenAt < $1.lastSeenAt }) { sessions[oldest.id] = nil }
            if sessions.count >= Self.capacity, let oldest = sessions.min(by: { $0.value.lastSeenAt < $1.value.lastSeenAt })?.key {
                sessions[oldest] = nil
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session `id` names; nil (and forgotten) once it has timed out. A request restarts
    /// its idle timer (`touch`) — a page's own background refresh does not, so an open tab does
    /// not keep a session alive.
    func session(_ id: String?, touch: Bool = true) -> Session? {
        guard let id else { return nil }
        let now = clock.milliseconds
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard Self.isLive(session, now: now) else {
                sessions[id] = nil
                return nil
            }
            if touch {
                session.lastSeenAt = now
                sessions[id] = session
            }
            return session
        }
    }

    /// Changes the session's drafts (nothing when it has ended). Past ``draftLimit`` or
    /// ``draftBytesLimit`` the session's other drafts go, largest first; a change larger than
    /// the limit by itself is not kept. Past ``totalDraftBytesLimit`` the drafts of the sessions
    /// used least recently go.
    func updateDrafts(of id: String, _ change: @Sendable (inout [String: [String: String]]) -> Void) {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return }
            let before = session.drafts
            change(&session.drafts)
            let changed = Set(session.drafts.keys.filter { before[$0] != session.drafts[$0] })
            for key in changed where Self.bytes(of: key, session.drafts[key] ?? [:]) > Self.draftBytesLimit { session.drafts[key] = before[key] }
            var others = session.drafts.keys.filter { !changed.contains($0) }
                .sorted { Self.bytes(of: $0, session.drafts[$0]!) > Self.bytes(of: $1, session.drafts[$1]!) }
            while session.drafts.count > Self.draftLimit || Self.bytes(of: session.drafts) > Self.draftBytesLimit, !others.isEmpty {
                session.drafts[others.removeFirst()] = nil
            }
            session.draftBytes = Self.bytes(of: session.drafts)
            sessions[id] = session
            var total = sessions.values.reduce(0) { $0 + $1.draftBytes }
            guard total > Self.totalDraftBytesLimit else { return }
            for var idle in sessions.values.filter({ $0.id != id && $0.draftBytes > 0 }).sorted(by: { $0.lastSeenAt < $1.lastSeenAt }) {
                total -= idle.draftBytes
                idle.drafts = [:]
                idle.draftBytes = 0
                sessions[idle.id] = idle
                if total <= Self.totalDraftBytesLimit { break }
            }
        }
    }

    static func bytes(of drafts: [String: [String: String]]) -> Int {
        drafts.reduce(0) { $0 + bytes(of: $1.key, $1.value) }
    }

    static func bytes(of name: String, _ fields: [String: String]) -> Int {
        name.utf8.count + fields.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
    }

    /// Ends the session (sign-out).
    func end(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }

    static func isLive(_ session: Session, now: Int64) -> Bool {
        now - session.lastSeenAt < idleTimeout && now - session.signedInAt < absoluteTimeout
    }

    // MARK: Sign-ins under way

    /// A sign-in about to be sent to the login plane: its `state` (random), the PKCE challenge of
    /// a verifier derived from the state under this process's key, and the browser's sign-in
    /// cookie — state, where to return, and a MAC over both — so only the browser that started it
    /// can finish it, within ``signInTimeout``. The code it brings back is used once by the login
    /// plane, so a replayed state gets nothing.
    func beginSignIn(returnTo: String) -> (state: String, challenge: String, cookie: String) {
        let state = SecretHash.generateSecret()
        let started = String(clock.milliseconds)
        let payload = [state, started, Data(returnTo.utf8).base64URLEncodedString()].joined(separator: ".")
        return (state, DirectoryService.challenge(of: verifier(of: state)), payload + "." + mac(payload))
    }

    /// The sign-in the browser's `cookie` holds for the login plane's answer with `state`; nil
    /// when the cookie is not this process's, not for this state, or older than ``signInTimeout``.
    func finishSignIn(state: String, cookie: String?) -> PendingSignIn? {
        let parts = (cookie ?? "").split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 else { return nil }
        let payload = parts[0...2].joined(separator: ".")
        guard constantTimeEquals(parts[3], mac(payload)), constantTimeEquals(parts[0], state),
              let started = Int64(parts[1]), (0..<Self.signInTimeout).contains(clock.milliseconds - started),
              let returnTo = Data(base64URLEncoded: parts[2]).map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        return PendingSignIn(verifier: verifier(of: state), returnTo: returnTo)
    }

    private func mac(_ text: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(("kura-portal-signin|" + text).utf8), using: signInKey)).base64URLEncodedString()
    }

    private func verifier(of state: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(("kura-portal-pkce|" + state).utf8), using: signInKey)).base64URLEncodedString()
    }
}
