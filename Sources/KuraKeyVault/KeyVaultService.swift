// kura — a self-hosted encrypted container registry.
// KeyVaultService: the keys API's rules — versions, attributes, soft delete, backup, crypto (no HTTP).

public import KuraAPI
import Crypto
import Foundation
public import KuraCore
public import KuraCrypto

/// The keys of every vault. Each call names its vault (``VaultContext``) and caller; the caller
/// is authorized before anything else happens, and every key or policy change is published on
/// the ``VaultEventBus``.
public struct KeyVaultService: Sendable {
    let store: any VaultStore
    let clock: any WallClock
    let sealer: KeyMaterialSealer
    let backups: SealedFile
    let events: VaultEventBus
    /// Largest page of a list (Key Vault's own maximum).
    public static let maximumPage = 25

    public init(store: any VaultStore, hierarchy: KeyHierarchy, events: VaultEventBus, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
        self.sealer = KeyMaterialSealer(hierarchy: hierarchy)
        self.backups = SealedFile(hierarchy: hierarchy)
        self.events = events
    }

    /// The answer to one operation: a status (200, or 204 for purge) and its wire model.
    public struct Reply: Sendable {
        public let status: Int
        /// A `KuraAPI` model (``KeyBundle``, ``KeyOperationResult``, …); nil for an empty body.
        public let answer: (any Encodable & Sendable)?
        /// The key version the operation used or produced (for the audit log).
        public let keyVersion: String?
        /// Whether the change this reply reports wrote its audit entry in its own transaction
        /// (the plane then appends none).
        public var audited: Bool = false

        /// The answer as the JSON the plane writes.
        public var body: JSONValue? { answer.map { JSONValue(encoding: $0) } }
    }

    /// Who authorized a call.
    public enum Authorization: Sendable {
        /// The vault: its access policies or, on an RBAC vault, the caller's data-action roles.
        case vault
        /// The management plane, from the caller's ARM roles (`Microsoft.KeyVault/vaults/keys/read|write`):
        /// ARM creates and reads a vault's keys whatever its access policies say. It allows only
        /// `create` — of a new key only: ARM never adds a version to one — `get` and `list`.
        case management
    }

    /// Runs `route` for `caller` in `vault`.
    /// - Parameter query: the request's query (`maxresults`, `$skiptoken`, `api-version`).
    /// - Throws: ``KeyVaultError``.
    public func handle(_ route: KeyVaultRoute, body: JSONValue?, query: [String: String], vault: VaultContext,
                       caller: VaultCaller, authorization: Authorization = .vault) async throws -> Reply {
        try VaultAuthorization.check(route, caller: caller, vault: vault, authorizedBy: authorization)
        switch route {
        case .create(let name): return try await create(name, body: try object(body), vault: vault, newOnly: authorization == .management)
        case .importKey(let name): return try await importKey(name, body: try object(body), vault: vault)
        case .get(let name, let version):
            let found = try await keyVersion(name, version, vault: vault)
            return Reply(status: 200, answer: try bundle(found, vault: vault), keyVersion: found.version)
        case .list:
            var items: [KeyItem] = []
            for key in try await store.vaultKeys(vault: vault.name, deleted: false) {
                if let current = try await store.keyVersion(vault: vault.name, name: key.name, version: key.currentVersion) {
                    items.append(try item(current, kid: "\(vault.baseURL)/keys/\(key.name)", vault: vault))
                }
            }
            return Reply(status: 200, answer: try page(items, path: "/keys", query: query, vault: vault), keyVersion: nil)
        case .listVersions(let name):
            let key = try await activeKey(name, vault: vault)
            let items = try await store.keyVersions(vault: vault.name, name: key.name).map {
                try item($0, kid: "\(vault.baseURL)/keys/\(key.name)/\($0.version)", vault: vault)
            }
            return Reply(status: 200, answer: try page(items, path: "/keys/\(key.name)/versions", query: query, vault: vault), keyVersion: nil)
        case .update(let name, let version): return try await update(name, version, body: try object(body), vault: vault)
        case .delete(let name): return try await delete(name, vault: vault)
        case .getDeleted(let name):
            let key = try await deletedKey(name, vault: vault)
            return Reply(status: 200, answer: try await deletedBundle(key, vault: vault), keyVersion: key.currentVersion)
        case .listDeleted:
            var items: [DeletedKeyItem] = []
            for key in try await store.vaultKeys(vault: vault.name, deleted: true) {
                if let current = try await store.keyVersion(vault: vault.name, name: key.name, version: key.currentVersion) {
                    items.append(deleted(try item(current, kid: "\(vault.baseURL)/keys/\(key.name)", vault: vault), key, vault: vault))
                }
            }
            return Reply(status: 200, answer: try page(items, path: "/deletedkeys", query: query, vault: vault), keyVersion: nil)
        case .recover(let name):
            let key = try await deletedKey(name, vault: vault)
            try await store.setKeyDeleted(vault: vault.name, name: key.name, deletedAt: nil, scheduledPurgeAt: nil,
                                             audit: vault.audit?.entry(keyVersion: key.currentVersion, status: 200))
            events.publish(VaultEvent(.keyRecovered, vault: vault.name, key: key.name))
            let current = try await keyVersion(key.name, nil, vault: vault)
            return Reply(status: 200, answer: try bundle(current, vault: vault), keyVersion: current.version, audited: vault.audit != nil)
        case .purge(let name):
            let key = try await deletedKey(name, vault: vault)
            if vault.purgeProtection, let scheduled = key.scheduledPurgeAt, clock.milliseconds < scheduled {
                throw KeyVaultError.forbidden("Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.",
                                              inner: "PurgeProtectionEnabled")
            }
            try await store.purgeKey(vault: vault.name, name: key.name, audit: vault.audit?.entry(keyVersion: nil, status: 204))
            events.publish(VaultEvent(.keyPurged, vault: vault.name, key: key.name))
            return Reply(status: 204, answer: nil, keyVersion: nil, audited: vault.audit != nil)
        case .backup(let name): return try await backup(name, vault: vault)
        case .restore: return try await restore(body: try object(body), vault: vault)
        case .rotate(let name):
            let current = try await keyVersion(name, nil, vault: vault)
            let material = try sealer.open(current.sealedPrivateKey, vault: vault.name, key: current.name, version: current.version)
            let fresh = try KeyMaterial.generate(material.kind)
            var properties = current.document
            properties["attributes"] = ["enabled": true]
            let created = try await addVersion(current.name, material: fresh, keyOps: properties["key_ops"]?.arrayValue?.compactMap(\.stringValue),
                                               attributes: properties["attributes"], tags: current.document["tags"], to: .liveKey, vault: vault)
            events.publish(VaultEvent(.keyRotated, vault: vault.name, key: current.name))
            return Reply(status: 200, answer: try bundle(created, vault: vault), keyVersion: created.version, audited: vault.audit != nil)
        case .getRotationPolicy(let name):
            let key = try await activeKey(name, vault: vault)
            return Reply(status: 200, answer: rotationPolicy(key, vault: vault), keyVersion: nil)
        case .setRotationPolicy(let name):
            // Rotation policies are not built yet: refuse rather than answer as if one were stored.
            _ = try await activeKey(name, vault: vault)
            throw KeyVaultError.notSupported("Key rotation policies are not supported by this vault yet; rotate the key with POST /keys/\(name)/rotate (az keyvault key rotate).")
        case .crypto(let name, let version, let operation): return try await crypto(operation, name, version, body: try object(body), vault: vault)
        case .random:
            let count = try object(body)["count"]?.integerValue ?? 0
            guard (1...128).contains(count) else { throw KeyVaultError.badParameter("count must be between 1 and 128.") }
            let bytes = SymmetricKey(size: SymmetricKeySize(bitCount: Int(count) * 8)).withUnsafeBytes { Data($0) }
            return Reply(status: 200, answer: RandomBytes(value: bytes.base64URLEncodedString()), keyVersion: nil)
        }
    }

    // MARK: Create, import, update, delete

    static let rsaOperations = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
    static let ecOperations = ["sign", "verify"]
    static let knownOperations = Set(rsaOperations + ["import", "export"])

    /// - Parameter newOnly: refuse (409, innererror `KeyExists`) rather than add a version to an existing key.
    func create(_ name: String, body: JSONValue, vault: VaultContext, newOnly: Bool) async throws -> Reply {
        try Self.validate(name: name)
        let kind = try Self.checkedCreate(body)
        let existing = try await store.vaultKey(vault: vault.name, name: name)
        try Self.refuseDeleted(existing)
        if newOnly, existing != nil { throw Self.keyExists(name) }
        let created = try await addVersion(existing?.name ?? name, material: try KeyMaterial.generate(kind),
                                           keyOps: try Self.requestedOperations(body["key_ops"]), attributes: body["attributes"],
                                           tags: body["tags"], to: newOnly ? .newKey : existing == nil ? .newOrLiveKey : .liveKey, vault: vault)
        events.publish(VaultEvent(existing == nil ? .keyCreated : .keyRotated, vault: vault.name, key: name))
        return Reply(status: 200, answer: try bundle(created, vault: vault), keyVersion: created.version, audited: vault.audit != nil)
    }

    func importKey(_ name: String, body: JSONValue, vault: VaultContext) async throws -> Reply {
        try Self.validate(name: name)
        guard let jwk = body["key"], jwk.objectValue != nil else { throw KeyVaultError.badParameter("The request needs a 'key' (JWK).") }
        let material = try KeyMaterial.fromJWK(jwk)
        let existing = try await store.vaultKey(vault: vault.name, name: name)
        try Self.refuseDeleted(existing)
        let created = try await addVersion(existing?.name ?? name, material: material, keyOps: try Self.requestedOperations(jwk["key_ops"]),
                                           attributes: body["attributes"], tags: body["tags"], to: existing == nil ? .newOrLiveKey : .liveKey, vault: vault)
        events.publish(VaultEvent(existing == nil ? .keyCreated : .keyRotated, vault: vault.name, key: name))
        return Reply(status: 200, answer: try bundle(created, vault: vault), keyVersion: created.version, audited: vault.audit != nil)
    }

    func update(_ name: String, _ requested: String?, body: JSONValue, vault: VaultContext) async throws -> Reply {
        let found = try await keyVersion(name, requested, vault: vault)
        var document = found.document
        if let changes = body["attributes"]?.objectValue {
            var attributes = document["attributes"] ?? [:]
            for key in ["enabled", "nbf", "exp"] where changes.keys.contains(key) {
                attributes[key] = try Self.attribute(key, changes[key]!)
            }
            attributes["updated"] = .integer(clock.milliseconds / 1000)
            document["attributes"] = attributes
        }
        if let ops = try Self.requestedOperations(body["key_ops"]) {
            document["key_ops"] = .array(try Self.keyOperations(ops, for: document["kty"]?.stringValue ?? "RSA")
                .map { .string($0) })
        }
        if let tags = body["tags"] { document["tags"] = try Self.tags(tags) }
        try await store.updateKeyVersion(vault: vault.name, name: found.name, version: found.version, document: document,
                                            audit: vault.audit?.entry(keyVersion: found.version, status: 200))
        events.publish(VaultEvent(.keyUpdated, vault: vault.name, key: found.name))
        var updated = found
        updated.document = document
        return Reply(status: 200, answer: try bundle(updated, vault: vault), keyVersion: found.version, audited: vault.audit != nil)
    }

    func delete(_ name: String, vault: VaultContext) async throws -> Reply {
        let key = try await activeKey(name, vault: vault)
        let now = clock.milliseconds
        try await store.setKeyDeleted(vault: vault.name, name: key.name, deletedAt: now, scheduledPurgeAt: now + vault.retentionDays * 86_400_000,
                                         audit: vault.audit?.entry(keyVersion: key.currentVersion, status: 200))
        events.publish(VaultEvent(.keyDeleted, vault: vault.name, key: key.name))
        let deleted = try await deletedKey(key.name, vault: vault)
        return Reply(status: 200, answer: try await deletedBundle(deleted, vault: vault), keyVersion: key.currentVersion, audited: vault.audit != nil)
    }

    /// Removes every key of `vault`, deleted or not (the vault itself was purged).
    public func purgeAllKeys(vault: String) async throws { try await store.purgeVaultKeys(vault: vault) }

    /// Purges every soft-deleted key of `vault` whose retention has passed; returns their names.
    public func purgeExpired(vault: String) async throws -> [String] {
        let now = clock.milliseconds
        var purged: [String] = []
        for key in try await store.vaultKeys(vault: vault, deleted: true) where (key.scheduledPurgeAt ?? .max) <= now {
            try await store.purgeKey(vault: vault, name: key.name, audit: nil)
            events.publish(VaultEvent(.keyPurged, vault: vault, key: key.name))
            purged.append(key.name)
        }
        return purged
    }

    // MARK: Backup and restore

    /// The opaque backup blob: `KKB1` sealed (AES-256-GCM under a root-derived key) JSON with
    /// every version's public document and private material, so it restores into any vault of
    /// this installation and nowhere else.
    func backup(_ name: String, vault: VaultContext) async throws -> Reply {
        let key = try await activeKey(name, vault: vault)
        var versions: [JSONValue] = []
        for version in try await store.keyVersions(vault: vault.name, name: key.name) {
            let material = try sealer.open(version.sealedPrivateKey, vault: vault.name, key: version.name, version: version.version)
            versions.append(["version": .string(version.version), "document": version.document, "createdAt": .integer(version.createdAt),
                             "material": .string(Data(material.encoded()).base64EncodedString())])
        }
        let payload: JSONValue = ["name": .string(key.name), "currentVersion": .string(key.currentVersion), "versions": .array(versions)]
        let sealed = try backups.seal(payload.serialized(), name: Self.backupSealName)
        return Reply(status: 200, answer: BackupKeyResult(value: Data(sealed).base64URLEncodedString()), keyVersion: key.currentVersion)
    }

    static let backupSealName = "key vault backup v1"

    func restore(body: JSONValue, vault: VaultContext) async throws -> Reply {
        guard let text = body["value"]?.stringValue, let blob = Data(base64URLEncoded: text),
              let opened = try? backups.open(Array(blob), name: Self.backupSealName),
              let payload = try? JSONValue(parsing: opened), let name = payload["name"]?.stringValue,
              let versions = payload["versions"]?.arrayValue, !versions.isEmpty else {
            throw KeyVaultError.badParameter("The backup blob is corrupt or was not made by this installation.")
        }
        if try await store.vaultKey(vault: vault.name, name: name) != nil {
            throw KeyVaultError.conflict("Key \(name) already exists (or is deleted but recoverable) in this vault; a backup restores only a new name.")
        }
        var first = true
        var last: VaultKeyVersionRecord?
        let current = payload["currentVersion"]?.stringValue
        let ordered = versions.filter { $0["version"]?.stringValue != current } + versions.filter { $0["version"]?.stringValue == current }
        for entry in ordered {
            guard let version = entry["version"]?.stringValue, let document = entry["document"],
                  let materialText = entry["material"]?.stringValue, let materialBytes = Data(base64Encoded: materialText) else {
                throw KeyVaultError.badParameter("The backup blob is corrupt.")
            }
            let material = try KeyMaterial.decoded(Array(materialBytes))
            let record = VaultKeyVersionRecord(vault: vault.name, name: name, version: version, document: document,
                                               sealedPrivateKey: try sealer.seal(material, vault: vault.name, key: name, version: version),
                                               createdAt: entry["createdAt"]?.integerValue ?? clock.milliseconds)
            // The entry goes with the last version, which completes the restore.
            let isLast = entry["version"]?.stringValue == ordered.last?["version"]?.stringValue
            try await store.addKeyVersion(record, to: first ? .newOrLiveKey : .liveKey, audit: isLast ? vault.audit?.entry(keyVersion: version, status: 200) : nil)
            first = false
            last = record
        }
        events.publish(VaultEvent(.keyRestored, vault: vault.name, key: name))
        return Reply(status: 200, answer: try bundle(last!, vault: vault), keyVersion: last?.version, audited: vault.audit != nil)
    }

    // MARK: Crypto

    func crypto(_ operation: KeyVaultRoute.CryptoOperation, _ name: String, _ requested: String?, body: JSONValue,
                vault: VaultContext) async throws -> Reply {
        let found = try await keyVersion(name, requested, vault: vault)
        try checkUsable(found, operation: operation.permission)
        guard let alg = body["alg"]?.stringValue else { throw KeyVaultError.badParameter("The request needs 'alg'.") }
        guard let valueText = body["value"]?.stringValue, let value = Data(base64URLEncoded: valueText) else {
            throw KeyVaultError.badParameter("The request needs 'value' (base64url).")
        }
        let material = try sealer.open(found.sealedPrivateKey, vault: vault.name, key: found.name, version: found.version)
        let kid = "\(vault.baseURL)/keys/\(found.name)/\(found.version)"
        let result: any Encodable & Sendable
        switch operation {
        case .encrypt, .wrapkey:
            result = KeyOperationResult.of(kid, value: Data(try KeyAlgorithms.encrypt(Array(value), alg: alg, with: material)).base64URLEncodedString())
        case .decrypt, .unwrapkey:
            result = KeyOperationResult.of(kid, value: Data(try KeyAlgorithms.decrypt(Array(value), alg: alg, with: material)).base64URLEncodedString())
        case .sign:
            result = KeySignResult.of(kid, value: Data(try KeyAlgorithms.sign(Array(value), alg: alg, with: material)).base64URLEncodedString())
        case .verify:
            guard let digestText = body["digest"]?.stringValue, let digest = Data(base64URLEncoded: digestText) else {
                throw KeyVaultError.badParameter("verify needs 'digest' (base64url) and 'value' (the signature).")
            }
            result = KeyVerifyResult(value: try KeyAlgorithms.verify(Array(digest), signature: Array(value), alg: alg, with: material))
        }
        return Reply(status: 200, answer: result, keyVersion: found.version)
    }

    /// A version may be used only while enabled, inside nbf/exp, and for an operation in its key_ops.
    func checkUsable(_ version: VaultKeyVersionRecord, operation: String) throws {
        let attributes = version.document["attributes"]
        let now = clock.milliseconds / 1000
        guard attributes?["enabled"]?.boolValue != false else {
            throw KeyVaultError.forbidden("Operation \(operation) is not allowed on a disabled key.", inner: "KeyDisabled")
        }
        if let nbf = attributes?["nbf"]?.integerValue, now < nbf {
            throw KeyVaultError.forbidden("Operation \(operation) is not allowed before the key's activation date (nbf \(nbf)).", inner: "KeyNotYetValid")
        }
        if let exp = attributes?["exp"]?.integerValue, now >= exp {
            throw KeyVaultError.forbidden("Operation \(operation) is not allowed on an expired key (exp \(exp)).", inner: "KeyExpired")
        }
        let ops = version.document["key_ops"]?.arrayValue?.compactMap { $0.stringValue?.lowercased() } ?? []
        guard ops.contains(operation.lowercased()) else {
            throw KeyVaultError.forbidden("Operation \(operation) is not permitted by this key's key_ops (\(ops.joined(separator: ", "))).",
                                          inner: "OperationNotAllowed")
        }
    }

    // MARK: Lookups

    func activeKey(_ name: String, vault: VaultContext) async throws -> VaultKeyRecord {
        guard let key = try await store.vaultKey(vault: vault.name, name: name), key.deletedAt == nil else {
            throw KeyVaultError.keyNotFound(name, vault: vault.name)
        }
        return key
    }

    func deletedKey(_ name: String, vault: VaultContext) async throws -> VaultKeyRecord {
        guard let key = try await store.vaultKey(vault: vault.name, name: name), key.deletedAt != nil else {
            throw KeyVaultError.deletedKeyNotFound(name)
        }
        return key
    }

    func keyVersion(_ name: String, _ version: String?, vault: VaultContext) async throws -> VaultKeyVersionRecord {
        let key = try await activeKey(name, vault: vault)
        guard let found = try await store.keyVersion(vault: vault.name, name: key.name, version: version ?? key.currentVersion) else {
            throw KeyVaultError.keyNotFound(name, version: version, vault: vault.name)
        }
        return found
    }

    /// A create request's key kind, after every member it may carry is checked as strictly as its
    /// type: a member of the wrong type is refused, never read as its default (a `"4096"` key size
    /// must not make a 2048-bit key). What a deployment's preflight also runs.
    /// - Throws: ``KeyVaultError`` `BadParameter` naming the member.
    public static func checkedCreate(_ body: JSONValue) throws -> KeyMaterial.Kind {
        guard body.objectValue != nil else { throw KeyVaultError.badParameter("The request body must be a JSON object.") }
        func present(_ member: String) -> JSONValue? { body[member].flatMap { $0.isNull ? nil : $0 } }
        guard let type = present("kty").map({ $0.stringValue }) ?? "" else { throw KeyVaultError.badParameter("'kty' must be a string.") }
        let kind: KeyMaterial.Kind
        switch type.uppercased() {
        case "RSA", "RSA-HSM":
            guard let bits = present("key_size").map({ $0.integerValue }) ?? 2048 else {
                throw KeyVaultError.badParameter("'key_size' must be an integer (2048, 3072 or 4096).")
            }
            guard KeyMaterial.rsaSizes.contains(Int(clamping: bits)) else {
                throw KeyVaultError.badParameter("RSA key size \(bits) is not supported; use 2048, 3072 or 4096.")
            }
            if let exponent = present("public_exponent"), exponent.integerValue != 65537 {
                throw KeyVaultError.badParameter("Only the public exponent 65537 is supported.")
            }
            kind = .rsa(bits: Int(bits))
        case "EC", "EC-HSM":
            guard let curve = present("crv").map({ $0.stringValue }) ?? "P-256" else { throw KeyVaultError.badParameter("'crv' must be a string.") }
            guard let parsed = KeyMaterial.Curve(rawValue: curve) else {
                throw KeyVaultError.badParameter("The curve '\(curve)' is not supported; use P-256, P-384 or P-521.")
            }
            kind = .ec(parsed)
        default:
            throw KeyVaultError.badParameter("The key type '\(type.isEmpty ? "(none)" : type)' is not supported; use RSA, RSA-HSM, EC or EC-HSM.")
        }
        _ = try keyOperations(try requestedOperations(body["key_ops"]), for: type)
        if let attributes = present("attributes") {
            guard let members = attributes.objectValue else { throw KeyVaultError.badParameter("'attributes' must be an object.") }
            for key in ["enabled", "nbf", "exp"] { if let value = members[key] { _ = try attribute(key, value) } }
            if let exportable = members["exportable"], !exportable.isNull, exportable != false {
                throw KeyVaultError.badParameter("attributes.exportable: exportable keys need a release policy, which this vault does not offer.")
            }
        }
        if let tags = present("tags") { _ = try Self.tags(tags) }
        return kind
    }

    static func keyExists(_ name: String) -> KeyVaultError {
        KeyVaultError(status: 409, code: "Conflict", "Key \(name) exists already; a new version is made with the Key Vault API.", inner: "KeyExists")
    }

    static func refuseDeleted(_ key: VaultKeyRecord?) throws {
        if let key, key.deletedAt != nil {
            throw KeyVaultError(status: 409, code: "Conflict",
                                "Key \(key.name) is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.",
                                inner: "ObjectIsDeletedButRecoverable")
        }
    }

    // MARK: Documents

    func addVersion(_ name: String, material: KeyMaterial, keyOps: [String]?, attributes: JSONValue?, tags: JSONValue?, to target: KeyVersionTarget,
                    vault: VaultContext) async throws -> VaultKeyVersionRecord {
        let version = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let now = clock.milliseconds
        var attributeValues: JSONValue = ["enabled": true, "created": .integer(now / 1000), "updated": .integer(now / 1000), "exportable": false]
        for key in ["enabled", "nbf", "exp"] {
            if let value = attributes?[key], !value.isNull { attributeValues[key] = try Self.attribute(key, value) }
        }
        var document: JSONValue = [
            "kty": .string(material.keyType),
            "key_ops": .array(try Self.keyOperations(keyOps, for: material.keyType).map { .string($0) }),
            "attributes": attributeValues,
        ]
        switch material.kind {
        case .rsa(let bits): document["key_size"] = .integer(Int64(bits))
        case .ec(let curve): document["crv"] = .string(curve.rawValue)
        }
        if let tags, !tags.isNull { document["tags"] = try Self.tags(tags) }
        var jwk = try material.publicJWK(kid: "", keyOps: [])
        jwk["kid"] = nil
        jwk["key_ops"] = nil
        document["jwk"] = jwk
        let record = VaultKeyVersionRecord(vault: vault.name, name: name, version: version, document: document,
                                           sealedPrivateKey: try sealer.seal(material, vault: vault.name, key: name, version: version),
                                           createdAt: now)
        do {
            try await store.addKeyVersion(record, to: target, audit: vault.audit?.entry(keyVersion: version, status: 200))
        } catch let error as StoreError where error.code == .conflict {
            // Deleted meanwhile, or (`.newKey`) made meanwhile by another writer.
            try Self.refuseDeleted(try await store.vaultKey(vault: vault.name, name: name))
            throw Self.keyExists(name)
        }
        return record
    }

    /// The KeyBundle of a version: its public JWK with `kid`, `kty` and `key_ops`, its attributes with the
    /// vault's recovery level and retention, its tags (left out when empty).
    func bundle(_ version: VaultKeyVersionRecord, vault: VaultContext) throws -> KeyBundle {
        var key = try (version.document["jwk"] ?? [:]).decoded(as: JsonWebKey.self)
        key.kid = "\(vault.baseURL)/keys/\(version.name)/\(version.version)"
        key.kty = version.document["kty"]?.stringValue ?? key.kty
        key.keyOps = version.document["key_ops"]?.arrayValue?.compactMap(\.stringValue)
        return .of(key, attributes: try storedAttributes(version).recoverable(vault.recoveryLevel, days: vault.retentionDays),
                   tags: try storedTags(version))
    }

    func item(_ version: VaultKeyVersionRecord, kid: String, vault: VaultContext) throws -> KeyItem {
        .listing(try bundle(version, vault: vault), kid: kid)
    }

    func storedAttributes(_ version: VaultKeyVersionRecord) throws -> KeyAttributes {
        try (version.document["attributes"] ?? [:]).decoded(as: KeyAttributes.self)
    }

    func storedTags(_ version: VaultKeyVersionRecord) throws -> [String: String]? {
        try version.document["tags"]?.decoded(as: [String: String].self)
    }

    func deletedBundle(_ key: VaultKeyRecord, vault: VaultContext) async throws -> DeletedKeyBundle {
        guard let current = try await store.keyVersion(vault: vault.name, name: key.name, version: key.currentVersion) else {
            throw KeyVaultError.deletedKeyNotFound(key.name)
        }
        return deleted(try bundle(current, vault: vault), key, vault: vault)
    }

    /// `entry` with the deletion's members: recovery id, deleted and scheduled purge dates (Unix seconds).
    func deleted<Entry>(_ entry: Entry, _ key: VaultKeyRecord, vault: VaultContext) -> DeletedKey<Entry> {
        DeletedKey(entry, recoveryId: "\(vault.baseURL)/deletedkeys/\(key.name)", deletedDate: (key.deletedAt ?? 0) / 1000,
                   scheduledPurgeDate: (key.scheduledPurgeAt ?? 0) / 1000)
    }

    /// The policy Key Vault reports for a key that has none set: notify 30 days before expiry.
    func rotationPolicy(_ key: VaultKeyRecord, vault: VaultContext) -> KeyRotationPolicy {
        .notifyBeforeExpiry(id: "\(vault.baseURL)/keys/\(key.name)/rotationpolicy", created: key.createdAt / 1000,
                            updated: clock.milliseconds / 1000)
    }

    /// One page of a list: `maxresults` (≤ 25) items from `$skiptoken`, with an absolute `nextLink`.
    func page<Item>(_ items: [Item], path: String, query: [String: String], vault: VaultContext) throws -> KeyListPage<Item> {
        let size = min(Self.maximumPage, max(1, Int(query["maxresults"] ?? "") ?? Self.maximumPage))
        let start = Int(query["$skiptoken"] ?? "0") ?? -1
        guard start >= 0, start <= items.count else { throw KeyVaultError.badParameter("The $skiptoken is not valid.") }
        let end = min(items.count, start + size)
        var page = KeyListPage(value: Array(items[start..<end]))
        if end < items.count {
            var next = "\(vault.baseURL)\(path)?api-version=\(query["api-version"] ?? "7.6")&$skiptoken=\(end)"
            if let max = query["maxresults"] { next += "&maxresults=\(max)" }
            page.nextLink = next
        }
        return page
    }

    // MARK: Validation

    public static func validate(name: String) throws {
        guard (1...127).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw KeyVaultError.badParameter("The key name '\(name)' is invalid: use 1-127 letters, digits and '-'.")
        }
    }

    /// The `key_ops` a request names: nil when it names none (absent or `null`).
    /// - Throws: ``KeyVaultError`` `BadParameter` when `key_ops` is not an array of strings — never
    ///   read as "the defaults", which would widen a restricted key.
    static func requestedOperations(_ value: JSONValue?) throws -> [String]? {
        guard let value, !value.isNull else { return nil }
        let names = value.arrayValue?.compactMap(\.stringValue)
        guard let names, names.count == value.arrayValue?.count else {
            throw KeyVaultError.badParameter("'key_ops' must be an array of operation names (encrypt, decrypt, sign, verify, wrapKey, unwrapKey).")
        }
        return names
    }

    static func keyOperations(_ requested: [String]?, for keyType: String) throws -> [String] {
        let defaults = keyType.uppercased().hasPrefix("EC") ? ecOperations : rsaOperations
        guard let requested else { return defaults }
        let canonical = Dictionary((rsaOperations + ["import", "export"]).map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        return try requested.map { op in
            guard let name = canonical[op.lowercased()] else {
                throw KeyVaultError.badParameter("'\(op)' is not a key operation (encrypt, decrypt, sign, verify, wrapKey, unwrapKey, import, export).")
            }
            return name
        }
    }

    static func attribute(_ key: String, _ value: JSONValue) throws -> JSONValue {
        switch key {
        case "enabled":
            guard let flag = value.boolValue else { throw KeyVaultError.badParameter("attributes.enabled must be a boolean.") }
            return .bool(flag)
        default:
            if value.isNull { return .null }
            guard let seconds = value.integerValue else { throw KeyVaultError.badParameter("attributes.\(key) must be integer Unix seconds.") }
            return .integer(seconds)
        }
    }

    static func tags(_ value: JSONValue) throws -> JSONValue {
        guard let members = value.objectValue, members.values.allSatisfy({ $0.stringValue != nil }), members.count <= 15 else {
            throw KeyVaultError.badParameter("tags must be at most 15 string values.")
        }
        return value
    }

    func object(_ body: JSONValue?) throws -> JSONValue {
        guard let body, body.objectValue != nil else { throw KeyVaultError.badParameter("The request body must be a JSON object.") }
        return body
    }

}
