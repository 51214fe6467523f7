// kura — a self-hosted encrypted container registry.
// AuditLog: every Key Vault operation, hash-chained per vault so the log can be verified end to end.

import KuraAPI
import Crypto
public import Foundation
public import KuraCore

/// A vault's audit log. Each entry is canonical JSON (sorted keys) holding the SHA-256 of the
/// previous entry (`previousHash`, 64 zeros for the first); the stored hash is the SHA-256 of the
/// entry text. Changing, removing or reordering any entry breaks the chain at that entry.
public struct AuditLog: Sendable {
    public static let genesis = String(repeating: "0", count: 64)
    let store: any VaultStore
    /// Stamps each entry's `time` and measures its duration.
    public let clock: any WallClock

    public init(store: any VaultStore, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// A request's entry, begun at `started` (when the request arrived; default now): its outcome
    /// is filled in when it is written.
    public func begin(_ event: Event, started: Date? = nil) -> Pending { Pending(event: event, started: started ?? clock.now(), clock: clock) }

    /// What one operation was. Every free-text field is bounded when the event is made (and again
    /// when its entry is written), so no request can make an entry large: `operation` (which holds
    /// the request's method and raw path when the path names no operation) to 512 UTF-8 bytes,
    /// `keyName` (taken from the path) to 256, `keyVersion`, `callerObjectId`, `callerAppId` and
    /// `clientAddress` to 64. A cut value ends in `…` and is cut on a character boundary. `vault`
    /// is not cut: it names the chain and comes from an existing vault resource, never from a
    /// request as such.
    public struct Event: Sendable {
        public var vault: String
        public var callerObjectID: String?
        public var callerAppID: String?
        public var clientAddress: String
        public var operation: String
        public var keyName: String?
        public var keyVersion: String?
        /// The HTTP status answered.
        public var resultCode: Int
        /// Milliseconds the operation took.
        public var durationMilliseconds: Int64

        public init(vault: String, callerObjectID: String?, callerAppID: String?, clientAddress: String, operation: String,
                    keyName: String?, keyVersion: String?, resultCode: Int, durationMilliseconds: Int64) {
            self.vault = vault
            self.callerObjectID = callerObjectID.map { AuditLog.bounded($0, to: Limit.identifier) }
            self.callerAppID = callerAppID.map { AuditLog.bounded($0, to: Limit.identifier) }
            self.clientAddress = AuditLog.bounded(clientAddress, to: Limit.identifier)
            self.operation = AuditLog.bounded(operation, to: Limit.operation)
            self.keyName = keyName.map { AuditLog.bounded($0, to: Limit.keyName) }
            self.keyVersion = keyVersion.map { AuditLog.bounded($0, to: Limit.identifier) }
            self.resultCode = resultCode
            self.durationMilliseconds = durationMilliseconds
        }

        /// The most UTF-8 bytes each free-text field keeps.
        public enum Limit {
            /// `operation`: an operation name, or a request's method and raw path.
            public static let operation = 512
            /// `keyName`: Key Vault names have at most 127 characters; a longer one is only ever a probe.
            public static let keyName = 256
            /// Object ids, app ids, key versions (GUIDs, 32 hex digits) and client addresses.
            public static let identifier = 64
        }

        /// The event with every free-text field bounded (a no-op for one made by ``init``).
        var withBoundedFields: Event {
            Event(vault: vault, callerObjectID: callerObjectID, callerAppID: callerAppID, clientAddress: clientAddress,
                  operation: operation, keyName: keyName, keyVersion: keyVersion, resultCode: resultCode,
                  durationMilliseconds: durationMilliseconds)
        }
    }

    /// `text` if it has at most `limit` UTF-8 bytes, else its longest prefix of whole Unicode
    /// scalars that fits in `limit` bytes with a trailing `…` (3 bytes).
    public static func bounded(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        let marker = "\u{2026}"
        let budget = max(0, limit - marker.utf8.count)
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let size = scalar.utf8.count
            guard used + size <= budget else { break }
            kept.append(scalar)
            used += size
        }
        return String(kept) + marker
    }

    /// Appends `event` at the end of its vault's chain.
    @discardableResult
    public func append(_ event: Event) async throws -> AuditRecord {
        try await store.appendAudit(vault: event.vault, Self.entry(event, at: clock.milliseconds))
    }

    /// What appends `event` to its vault's chain: a store change carrying it appends the entry in
    /// the change's own transaction.
    public static func entry(_ event: Event, at time: Int64) -> AuditEntryMaker {
        let event = event.withBoundedFields  // its fields are public vars: bound them again as written
        return { previous in
            let sequence = (previous?.sequence ?? 0) + 1
            let entry: JSONValue = [
                "sequence": .integer(sequence), "time": .integer(time), "vault": .string(event.vault.lowercased()),
                "callerObjectId": event.callerObjectID.map { .string($0) } ?? .null, "callerAppId": event.callerAppID.map { .string($0) } ?? .null,
                "clientAddress": .string(event.clientAddress), "operation": .string(event.operation),
                "keyName": event.keyName.map { .string($0) } ?? .null, "keyVersion": event.keyVersion.map { .string($0) } ?? .null,
                "resultCode": .integer(Int64(event.resultCode)), "durationMs": .integer(event.durationMilliseconds),
                "previousHash": .string(previous?.hash ?? Self.genesis),
            ]
            let text = String(decoding: entry.serialized(), as: UTF8.self)
            return AuditRecord(vault: event.vault.lowercased(), sequence: sequence, entry: text, hash: Self.hash(text))
        }
    }

    /// A request's audit entry before its outcome is known: a change the request makes writes it
    /// in the change's transaction (``entry(keyVersion:status:)``); any other outcome is appended
    /// by the plane afterwards.
    public struct Pending: Sendable {
        /// The event with the caller, address, operation and key name filled in.
        public let event: Event
        /// When the request started (for its duration).
        public let started: Date
        let clock: any WallClock

        init(event: Event, started: Date, clock: any WallClock) {
            self.event = event
            self.started = started
            self.clock = clock
        }

        /// The entry of a change that succeeds with `status`, made now.
        public func entry(keyVersion: String?, status: Int) -> AuditEntryMaker {
            var event = event
            event.keyVersion = keyVersion
            event.resultCode = status
            let now = clock.now()
            event.durationMilliseconds = Int64(now.timeIntervalSince(started) * 1000)
            return AuditLog.entry(event, at: Int64(now.timeIntervalSince1970 * 1000))
        }
    }

    /// Entries after `since` (Unix milliseconds), oldest first.
    public func entries(vault: String, since: Int64? = nil) async throws -> [AuditRecord] {
        var all: [AuditRecord] = []
        var after: Int64 = 0
        while true {
            let page = try await store.auditRecords(vault: vault, after: after, limit: 1000)
            all += page
            guard let last = page.last, page.count == 1000 else { break }
            after = last.sequence
        }
        guard let since else { return all }
        return all.filter { ((try? JSONValue(parsing: Array($0.entry.utf8)))?["time"]?.integerValue ?? 0) >= since }
    }

    /// The result of checking a vault's chain.
    public struct Verification: Sendable, Equatable {
        public let entries: Int
        /// The sequence number of the first entry that does not check out, and why; nil when intact.
        public let firstBroken: Int64?
        public let reason: String?

        public var isIntact: Bool { firstBroken == nil }

        public init(entries: Int, firstBroken: Int64?, reason: String?) {
            self.entries = entries
            self.firstBroken = firstBroken
            self.reason = reason
        }
    }

    /// Recomputes the chain from the first entry.
    public func verify(vault: String) async throws -> Verification { Self.verify(try await entries(vault: vault)) }

    /// Recomputes the chain of `records`: a vault's entries, all of them, in order (what
    /// ``entries(vault:since:)`` answers without `since`).
    public static func verify(_ records: [AuditRecord]) -> Verification {
        var previous = Self.genesis
        var expected: Int64 = 1
        for record in records {
            func broken(_ reason: String) -> Verification {
                Verification(entries: records.count, firstBroken: record.sequence, reason: reason)
            }
            guard record.sequence == expected else { return broken("entry \(expected) is missing (found \(record.sequence) next)") }
            guard Self.hash(record.entry) == record.hash else { return broken("the entry's content does not match its hash") }
            guard let entry = try? JSONValue(parsing: Array(record.entry.utf8)) else { return broken("the entry is not JSON") }
            guard entry["previousHash"]?.stringValue == previous else { return broken("the entry does not chain to the one before it") }
            guard entry["sequence"]?.integerValue == record.sequence else { return broken("the entry's sequence number was changed") }
            previous = record.hash
            expected += 1
        }
        return Verification(entries: records.count, firstBroken: nil, reason: nil)
    }

    static func hash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
