// kura — a self-hosted encrypted container registry.
// KeyOutput: key bundles shaped as `az keyvault key` prints them (its `transform_key_output`).

import Foundation
import KuraAPI

/// az does not print the Key Vault REST body: it prints the SDK's key object — camelCase names,
/// every JWK field present (null when absent), byte fields in standard base64, times as ISO 8601,
/// and `managed`, `tags`, `releasePolicy` at the top. The seed's sample output has this shape.
enum KeyOutput {
    /// The JWK fields of azure-keyvault-keys' `JsonWebKey`, in its order.
    static let jwkFields = ["kid", "kty", "key_ops", "n", "e", "d", "dp", "dq", "qi", "p", "q", "k", "t", "crv", "x", "y"]

    /// A ``KeyBundle`` as az prints it.
    static func bundle(_ bundle: KeyBundle) -> JSONValue {
        ["attributes": attributes(bundle.attributes), "key": jwk(bundle.key), "managed": .null,
         "releasePolicy": .null, "tags": tags(bundle.tags)]
    }

    /// A ``DeletedKeyBundle`` as `az keyvault key delete/show-deleted` print it.
    static func deleted(_ deleted: DeletedKeyBundle) -> JSONValue { withDeletion(bundle(deleted.entry), of: deleted) }

    /// A ``KeyItem`` as `az keyvault key list/list-versions` print it.
    static func item(_ item: KeyItem) -> JSONValue {
        ["attributes": attributes(item.attributes), "kid": .string(item.kid), "keySize": .null,
         "managed": .null, "name": name(of: item.kid), "releasePolicy": .null, "tags": tags(item.tags)]
    }

    /// A ``DeletedKeyItem`` as `az keyvault key list-deleted` prints it.
    static func deletedItem(_ deleted: DeletedKeyItem) -> JSONValue { withDeletion(item(deleted.entry), of: deleted) }

    private static func withDeletion<Entry>(_ shown: JSONValue, of deleted: DeletedKey<Entry>) -> JSONValue {
        var shown = shown
        shown["deletedDate"] = time(deleted.deletedDate)
        shown["recoveryId"] = .string(deleted.recoveryId)
        shown["scheduledPurgeDate"] = time(deleted.scheduledPurgeDate)
        return shown
    }

    private static func attributes(_ attributes: KeyAttributes) -> JSONValue {
        ["created": time(attributes.created), "enabled": attributes.enabled.map(JSONValue.bool) ?? .null, "expires": time(attributes.exp),
         "exportable": attributes.exportable.map(JSONValue.bool) ?? .null, "hsmPlatform": .null, "notBefore": time(attributes.nbf),
         "recoverableDays": attributes.recoverableDays.map(JSONValue.integer) ?? .null,
         "recoveryLevel": attributes.recoveryLevel.map(JSONValue.string) ?? .null, "updated": time(attributes.updated)]
    }

    /// Every JWK field az names, from the key's wire form: byte fields re-encoded in standard base64.
    private static func jwk(_ key: JsonWebKey) -> JSONValue {
        let wire = JSONValue(encoding: key)
        return .object(JSONObject(jwkFields.map { field -> (String, JSONValue) in
            let name = field == "key_ops" ? "keyOps" : field
            switch (field, wire[field]) {
            case (_, nil), (_, .null?): return (name, .null)
            case ("kid", let value?), ("kty", let value?), ("key_ops", let value?), ("crv", let value?): return (name, value)
            case (_, .string(let text)?): return (name, Data(base64URL: text).map { .string($0.base64EncodedString()) } ?? .string(text))
            case (_, let value?): return (name, value)
            }
        }))
    }

    private static func tags(_ tags: [String: String]?) -> JSONValue {
        tags.map { .object(JSONObject($0.mapValues(JSONValue.string))) } ?? .null
    }

    /// Unix seconds → what Python prints for an aware datetime (`2026-11-29T08:28:17+00:00`).
    private static func time(_ seconds: Int64?) -> JSONValue {
        guard let seconds else { return .null }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'+00:00'"
        return .string(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    private static func name(of kid: String) -> JSONValue {
        let parts = kid.split(separator: "/")
        return parts.count > 3 ? .string(String(parts[3])) : .null
    }
}
