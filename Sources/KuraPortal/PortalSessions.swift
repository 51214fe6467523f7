// kura — a self-hosted encrypted container registry.
// PortalSessions: who is signed in to the portal, and the sign-ins under way.

public import KuraCore
import KuraDirectory
import KuraCrypto
import Synchronization

/// The portal's sessions and pending sign-ins, in this process's memory (a restart signs everyone
/// out). A session ends after ``idleTimeout`` without a request or ``absoluteTimeout`` after its
/// sign-in, whichever comes first, and at sign-out. Times are Unix milliseconds of the clock given.
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
    }

    /// A sign-in sent to the login plane and not yet back: its PKCE verifier and where to return.
    struct PendingSignIn: Sendable {
        let verifier: String
        let returnTo: String
        let startedAt: Int64
    }

    /// Milliseconds without a request after which a session ends (Azure's portal: one hour).
    public static let idleTimeout: Int64 = 60 * 60 * 1000
    /// Milliseconds after sign-in after which a session ends whatever its use.
    public static let absoluteTimeout: Int64 = 12 * 60 * 60 * 1000
    /// Milliseconds a sign-in may take at the login plane (its codes live ten minutes).
    static let signInTimeout: Int64 = 10 * 60 * 1000
    /// Sessions and pending sign-ins held at most each (the oldest go first), so a flood of
    /// sign-in starts cannot fill memory.
    static let capacity = 10_000

    let clock: any WallClock
    private let sessions = Mutex<[String: Session]>([:])
    private let pending = Mutex<[String: PendingSignIn]>([:])

    public init(clock: any WallClock) { self.clock = clock }

    /// Starts a session for a user who has just signed in.
    func start(objectID: String, userPrincipalName: String, displayName: String) -> Session {
        let now = clock.milliseconds
        let session = Session(id: SecretHash.generateSecret(), objectID: objectID, userPrincipalName: userPrincipalName,
                              displayName: displayName, csrfToken: SecretHash.generateSecret(), signedInAt: now, lastSeenAt: now)
        sessions.withLock { sessions in
            sessions = sessions.filter { Self.isLive($0.value, now: now) }
            if sessions.count >= Self.capacity, let oldest = sessions.min(by: { $0.value.lastSeenAt < $1.value.lastSeenAt })?.key {
                sessions[oldest] = nil
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session `id` names, its idle timer restarted; nil (and forgotten) once it has timed out.
    func session(_ id: String?) -> Session? {
        guard let id else { return nil }
        let now = clock.milliseconds
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard Self.isLive(session, now: now) else {
                sessions[id] = nil
                return nil
            }
            session.lastSeenAt = now
            sessions[id] = session
            return session
        }
    }

    /// Changes the session's drafts (nothing when it has ended).
    func updateDrafts(of id: String, _ change: @Sendable (inout [String: [String: String]]) -> Void) {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return }
            change(&session.drafts)
            sessions[id] = session
        }
    }

    /// Ends the session (sign-out).
    func end(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }

    static func isLive(_ session: Session, now: Int64) -> Bool {
        now - session.lastSeenAt < idleTimeout && now - session.signedInAt < absoluteTimeout
    }

    // MARK: Sign-ins under way

    /// Records a sign-in about to be sent to the login plane; returns its `state` (also the value
    /// of the browser's sign-in cookie, so only the browser that started it can finish it) and the
    /// PKCE verifier's S256 challenge.
    func beginSignIn(returnTo: String) -> (state: String, challenge: String) {
        let state = SecretHash.generateSecret()
        let verifier = SecretHash.generateSecret() + SecretHash.generateSecret()
        let now = clock.milliseconds
        pending.withLock { pending in
            pending = pending.filter { now - $0.value.startedAt < Self.signInTimeout }
            if pending.count >= Self.capacity, let oldest = pending.min(by: { $0.value.startedAt < $1.value.startedAt })?.key {
                pending[oldest] = nil
            }
            pending[state] = PendingSignIn(verifier: verifier, returnTo: returnTo, startedAt: now)
        }
        return (state, DirectoryService.challenge(of: verifier))
    }

    /// The sign-in `state` names, removed (a state is used once); nil when unknown or too old.
    func finishSignIn(state: String) -> PendingSignIn? {
        let now = clock.milliseconds
        guard let found = pending.withLock({ $0.removeValue(forKey: state) }), now - found.startedAt < Self.signInTimeout else { return nil }
        return found
    }
}
