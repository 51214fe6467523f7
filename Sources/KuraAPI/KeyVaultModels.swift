// kura — a self-hosted encrypted container registry.
// KeyVaultModels: the Key Vault keys API's answers, as the server writes them and the CLI reads them.

/// A key as Key Vault describes it (RFC 7517 names; byte fields base64url without padding, integers
/// big-endian without leading zeros). The server writes `kid`, `kty`, `key_ops` and RSA's `n`, `e` or
/// EC's `crv`, `x`, `y` — never a private field. An import request's JWK carries the private fields
/// (RSA `d`, `p`, `q`, `dp`, `dq`, `qi`; EC `d`) and usually no `kid`.
public struct JsonWebKey: Codable, Sendable, Equatable {
    /// `https://<vault host>/keys/<name>/<version>`: always in a bundle; absent from a stored or imported JWK.
    public var kid: String?
    /// `RSA` or `EC` as written; `RSA-HSM` and `EC-HSM` are accepted on import.
    public var kty: String
    /// Permitted operations in Key Vault's casing (`encrypt`, …, `wrapKey`, `unwrapKey`): always in a bundle.
    public var keyOps: [String]?
    /// RSA: modulus and public exponent.
    public var n: String?
    public var e: String?
    /// EC: `P-256`, `P-384` or `P-521`, and the public point's coordinates (each the curve's width).
    public var crv: String?
    public var x: String?
    public var y: String?
    /// Private fields: read from an import request, never written.
    public var d: String?
    public var p: String?
    public var q: String?
    public var dp: String?
    public var dq: String?
    public var qi: String?

    enum CodingKeys: String, CodingKey { case kid, kty, keyOps = "key_ops", n, e, crv, x, y, d, p, q, dp, dq, qi }

    /// An RSA public key.
    public static func rsa(n: String, e: String, kid: String? = nil, keyOps: [String]? = nil) -> JsonWebKey {
        JsonWebKey(kid: kid, kty: "RSA", keyOps: keyOps, n: n, e: e)
    }

    /// An EC public key.
    public static func ec(crv: String, x: String, y: String, kid: String? = nil, keyOps: [String]? = nil) -> JsonWebKey {
        JsonWebKey(kid: kid, kty: "EC", keyOps: keyOps, crv: crv, x: x, y: y)
    }
}

/// A key version's attributes (every member optional, as in Key Vault's REST spec; kura writes
/// `enabled`, `created`, `updated` and `exportable` always). Times are Unix seconds.
public struct KeyAttributes: Codable, Sendable, Equatable {
    public var enabled: Bool?
    /// Not before / expires: absent when unset.
    public var nbf: Int64?
    public var exp: Int64?
    public var created: Int64?
    /// Moves when the attributes are changed (not on a tags- or key_ops-only update).
    public var updated: Int64?
    /// Always false: kura never releases a private key.
    public var exportable: Bool?
    /// The vault's (`Recoverable+Purgeable`, `CustomizedRecoverable`, …): in bundles and list items, not in what is stored.
    public var recoveryLevel: String?
    /// The vault's soft-delete retention in days: in bundles and list items, not in what is stored.
    public var recoverableDays: Int64?

    /// These attributes with the vault's recovery level and retention, as a bundle writes them.
    public func recoverable(_ level: String, days: Int64) -> KeyAttributes {
        var copy = self
        copy.recoveryLevel = level
        copy.recoverableDays = days
        return copy
    }
}

/// A key version: the answer to create, import, get, update, recover, restore and rotate.
public struct KeyBundle: Codable, Sendable, Equatable {
    public var key: JsonWebKey
    /// With `recoveryLevel` and `recoverableDays`.
    public var attributes: KeyAttributes
    /// At most 15; absent when there are none (never `{}`). (Azure's `managed`, for keys a
    /// certificate manages, is never set: kura has no certificates.)
    public var tags: [String: String]?

    /// A bundle; empty `tags` are left out.
    public static func of(_ key: JsonWebKey, attributes: KeyAttributes, tags: [String: String]?) -> KeyBundle {
        KeyBundle(key: key, attributes: attributes, tags: tags?.isEmpty == false ? tags : nil)
    }
}

/// One entry of `/keys`, `/keys/<name>/versions` or (as ``DeletedKeyItem``) `/deletedkeys`: its
/// version's bundle without the key material.
public struct KeyItem: Codable, Sendable, Equatable {
    /// `https://<vault host>/keys/<name>`; with `/<version>` in a versions listing.
    public var kid: String
    /// The bundle's, with `recoveryLevel` and `recoverableDays`.
    public var attributes: KeyAttributes
    /// Absent when empty, as in a bundle.
    public var tags: [String: String]?

    /// The listing entry of `bundle` under `kid`.
    public static func listing(_ bundle: KeyBundle, kid: String) -> KeyItem { KeyItem(kid: kid, attributes: bundle.attributes, tags: bundle.tags) }
}

/// A soft-deleted key's bundle or list item: the entry's members and the deletion's, flat in one
/// object (all three deletion members always written). The entry's members read through: `deleted.key`.
@dynamicMemberLookup
public struct DeletedKey<Entry: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var entry: Entry
    /// `https://<vault host>/deletedkeys/<name>`.
    public var recoveryId: String
    /// Unix seconds.
    public var deletedDate: Int64
    /// Unix seconds: `deletedDate` plus the vault's retention; purge protection refuses a purge before it.
    public var scheduledPurgeDate: Int64

    public init(_ entry: Entry, recoveryId: String, deletedDate: Int64, scheduledPurgeDate: Int64) {
        self.entry = entry
        self.recoveryId = recoveryId
        self.deletedDate = deletedDate
        self.scheduledPurgeDate = scheduledPurgeDate
    }

    public subscript<Member>(dynamicMember member: KeyPath<Entry, Member>) -> Member { entry[keyPath: member] }

    enum CodingKeys: String, CodingKey { case recoveryId, deletedDate, scheduledPurgeDate }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try Entry(from: decoder), recoveryId: try container.decode(String.self, forKey: .recoveryId),
                  deletedDate: try container.decode(Int64.self, forKey: .deletedDate),
                  scheduledPurgeDate: try container.decode(Int64.self, forKey: .scheduledPurgeDate))
    }

    /// The entry's members, then the deletion's, into the same object.
    public func encode(to encoder: any Encoder) throws {
        try entry.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(recoveryId, forKey: .recoveryId)
        try container.encode(deletedDate, forKey: .deletedDate)
        try container.encode(scheduledPurgeDate, forKey: .scheduledPurgeDate)
    }
}

/// The answer to delete and get-deleted.
public typealias DeletedKeyBundle = DeletedKey<KeyBundle>
/// One entry of `/deletedkeys`.
public typealias DeletedKeyItem = DeletedKey<KeyItem>

/// One page of a listing: at most 25 (`maxresults`) items.
public struct KeyListPage<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var value: [Item]
    /// The next page's absolute URL (`…?api-version=…&$skiptoken=<offset>[&maxresults=…]`); `null` on the last page.
    @AlwaysEncoded public var nextLink: String?

    public init(value: [Item], nextLink: String? = nil) {
        self.value = value
        self.nextLink = nextLink
    }
}

/// The answer to encrypt, decrypt, wrapKey and unwrapKey (and sign: ``KeySignResult``).
public struct KeyOperationResult: Codable, Sendable, Equatable {
    /// The version used: `https://<vault host>/keys/<name>/<version>`.
    public var kid: String
    /// The result bytes, base64url.
    public var value: String

    public static func of(_ kid: String, value: String) -> KeyOperationResult { KeyOperationResult(kid: kid, value: value) }
}

/// The answer to sign: the signature, base64url, and the version that made it.
public typealias KeySignResult = KeyOperationResult

/// A bare `{"value": …}` answer: verify's Bool; backup's and `POST /rng`'s base64url String.
public struct KeyValueResult<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var value: Value

    public init(value: Value) { self.value = value }
}

/// The answer to verify: whether the signature is valid (no `kid`).
public typealias KeyVerifyResult = KeyValueResult<Bool>
/// The answer to backup: the opaque blob, base64url (a sealed ``KeyBackupPayload``).
public typealias BackupKeyResult = KeyValueResult<String>
/// The answer to `POST /rng`: `count` (1…128) random bytes, base64url.
public typealias RandomBytes = KeyValueResult<String>

/// A key's rotation policy. kura stores none: every key reports Key Vault's default.
public struct KeyRotationPolicy: Codable, Sendable, Equatable {
    public struct LifetimeAction: Codable, Sendable, Equatable {
        /// When: ISO 8601 durations, exactly one set (the default writes only `timeBeforeExpiry`).
        public struct Trigger: Codable, Sendable, Equatable {
            public var timeAfterCreate: String?
            public var timeBeforeExpiry: String?
        }

        public struct Action: Codable, Sendable, Equatable {
            /// `Notify` or `Rotate`.
            public var type: String
        }

        public var trigger: Trigger
        public var action: Action
    }

    public struct Attributes: Codable, Sendable, Equatable {
        /// ISO 8601 duration new versions expire after; `null` when unset (always written).
        @AlwaysEncoded public var expiryTime: String?
        /// Unix seconds: the key's creation.
        public var created: Int64
        /// Unix seconds.
        public var updated: Int64
    }

    /// `https://<vault host>/keys/<name>/rotationpolicy`.
    public var id: String
    public var lifetimeActions: [LifetimeAction]
    public var attributes: Attributes

    /// Key Vault's default policy: notify 30 days before expiry, no expiry time.
    public static func notifyBeforeExpiry(id: String, created: Int64, updated: Int64) -> KeyRotationPolicy {
        let notify = LifetimeAction(trigger: LifetimeAction.Trigger(timeBeforeExpiry: "P30D"), action: LifetimeAction.Action(type: "Notify"))
        return KeyRotationPolicy(id: id, lifetimeActions: [notify], attributes: Attributes(expiryTime: nil, created: created, updated: updated))
    }
}

/// `GET /kura/v1/vaults/{vault}/auditLog/verify`: whether the vault's audit hash chain is whole.
public struct AuditVerification: Codable, Sendable, Equatable {
    public var vault: String
    /// Entries read.
    public var entries: Int
    public var intact: Bool
    /// The first entry whose hash or link does not hold, and why; `null` when intact.
    @AlwaysEncoded public var firstBrokenSequence: Int64?
    @AlwaysEncoded public var reason: String?

    public static func of(vault: String, entries: Int, intact: Bool, firstBrokenSequence: Int64?, reason: String?) -> AuditVerification {
        AuditVerification(vault: vault, entries: entries, intact: intact, firstBrokenSequence: firstBrokenSequence, reason: reason)
    }
}
