// kura — a self-hosted encrypted container registry.
// DirectoryUsers: people in the directory — created with a password, signed in by name.

import Foundation
import KuraCore
import KuraCrypto

/// Users, as Entra ID keeps them: a user principal name (`alice@contoso.com`), a display name
/// and a password (stored as ``PasswordHash``). A user gets roles like any principal and signs in
/// to the portal; it has no client secret and gets no token by client credentials.
extension DirectoryService {
    /// The user whose sign-in name is `name` (without case), or whose object id it is.
    public func user(_ name: String) async throws -> PrincipalRecord? {
        if let found = try await store.principal(userPrincipalName: name) { return found }
        let byID = try await store.principal(objectID: name.lowercased())
        return byID?.kind == .user ? byID : nil
    }

    /// A new user.
    /// - Throws: ``DirectoryError`` `.invalidRequest` for a malformed name or a password Entra
    ///   ID's policy refuses; `StoreError.conflict` when the name is taken.
    public func createUser(userPrincipalName name: String, displayName: String, password: String) async throws -> PrincipalRecord {
        guard Self.isUserPrincipalName(name) else {
            throw DirectoryError(.invalidRequest, "Property userPrincipalName is invalid: it must be alias@domain (letters, digits and . - _ ' in the alias; a DNS name after the @), at most 113 characters.")
        }
        guard !displayName.trimmingCharacters(in: .whitespaces).isEmpty, displayName.count <= 256 else {
            throw DirectoryError(.invalidRequest, "Property displayName must be 1-256 characters.")
        }
        guard Self.isStrongEnough(password) else {
            throw DirectoryError(.invalidRequest, "The specified password does not comply with password complexity requirements. Please provide a different password. (8-256 characters, with three of: lower-case letters, upper-case letters, digits, symbols.)")
        }
        let objectID = UUID().uuidString.lowercased()
        let user = PrincipalRecord(objectID: objectID, appID: objectID, displayName: displayName, kind: .user,
                                   secretHash: try await passwordChecks.hash(password), createdAt: clock.milliseconds, userPrincipalName: name)
        try await store.insertPrincipal(user)
        return user
    }

    /// The user `name` names when `password` is its password.
    /// - Throws: ``DirectoryError`` `.invalidCredentials` — the same for an unknown name and a
    ///   wrong password — or `.accountLocked` after repeated failures (``SignInThrottle``).
    public func signIn(userPrincipalName name: String, password: String) async throws -> PrincipalRecord {
        let now = clock.milliseconds
        do {
            try signIns.attempt(name, now: now)
        } catch .locked(let until) {
            throw DirectoryError(.accountLocked, "Your account is locked because you've tried to sign in too many times with an incorrect user ID or password. Try again in \((until - now + 999) / 1000) s.")
        } catch .full {
            throw DirectoryError(.temporarilyUnavailable, "Too many sign-in names are locked at once; try again later.")
        }
        let user = try await store.principal(userPrincipalName: name)
        // An unknown name costs the same scrypt as a wrong password: the time taken does not tell
        // whether the name exists.
        let stored = (user?.kind == .user ? user?.secretHash : nil) ?? Self.decoyHash
        guard try await passwordChecks.verify(password, against: stored), let user, user.kind == .user else {
            throw DirectoryError(.invalidCredentials, "Error validating credentials due to invalid username or password.")
        }
        signIns.succeeded(name)
        return user
    }

    /// The hash of a password nobody knows (made once, with kura's parameters), checked in place of
    /// an unknown user's so that both cost the same.
    static let decoyHash = "scrypt$15$8$1$65B/zbHvYXI8/BZqJDI8Yg==$GGiWXBeE3rmbalttnrTppkfJn3ibcvSkd6YGaM8TZfU="

    /// `alias@domain`: an alias of letters, digits and `.-_'` (not starting or ending with `.`),
    /// a DNS name of at least two labels; 113 characters at most.
    static func isUserPrincipalName(_ name: String) -> Bool {
        let parts = name.split(separator: "@", omittingEmptySubsequences: false)
        guard name.count <= 113, parts.count == 2, let alias = parts.first, let domain = parts.last,
              !alias.isEmpty, alias.first != ".", alias.last != ".",
              alias.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_'".contains($0)) }) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// Entra ID's policy: 8–256 characters, three of the four kinds.
    static func isStrongEnough(_ password: String) -> Bool {
        let kinds = [password.contains(where: \.isLowercase), password.contains(where: \.isUppercase), password.contains(where: \.isNumber),
                     password.contains { !$0.isLetter && !$0.isNumber }].filter { $0 }.count
        return (8...256).contains(password.count) && kinds >= 3
    }
}
