// kura — a self-hosted encrypted container registry.
// KeyOutput: key bundles shaped as `az keyvault key` prints them (its `transform_key_output`).

import Foundation
import KuraAPI
import KuraJMESPath

/// az does not print the Key Vault REST body: it prints the SDK's key object — camelCase names,
/// every JWK field present (null when absent), byte fields in standard base64, times as ISO 8601,
/// and `managed`, `tags`, `releasePolicy` at the top. The seed's sample output has this shape.
enum KeyOutput {
    /// The JWK fields of azure-keyvault-keys' `JsonWebKey`, in its order.
    static let jwkFields = ["kid", "kty", "key_ops", "n", "e", "d", "dp", "dq", "qi", "p", "q", "k", "t", "crv", "x", "y"]

    /// A `KeyBundle` or `DeletedKeyBundle` as az prints it; anything else unchanged.
    static func bundle(_ value: JSONValue?) -> JSONValue? {
        guard let value, case .object = value["key"] ?? .null else { return value }
        var output: JSONObject = [
            "attributes": attributes(value["attributes"]), "key": jwk(value["key"] ?? .null),
            "managed": value["managed"] ?? .null, "releasePolicy": value["release_policy"] ?? .null, "tags": value["tags"] ?? .null]
        if value["recoveryId"] != nil {
            output["deletedDate"] = time(value["deletedDate"])
            output["recoveryId"] = value["recoveryId"] ?? .null
            output["scheduledPurgeDate"] = time(value["scheduledPurgeDate"])
        }
        return .object(output)
    }

    /// A list of `KeyItem`s or `DeletedKeyItem`s as `az keyvault key list/list-versions/list-deleted` print them.
    static func items(_ value: JSONValue?) -> JSONValue? {
        guard case .array(let list)? = value else { return value }
        return .array(list.map { item in
            var output: JSONObject = [
                "attributes": attributes(item["attributes"]), "kid": item["kid"] ?? .null, "keySize": .null,
                "managed": item["managed"] ?? .null, "name": name(of: item["kid"]), "releasePolicy": .null, "tags": item["tags"] ?? .null]
            if item["recoveryId"] != nil {
                output["deletedDate"] = time(item["deletedDate"])
                output["recoveryId"] = item["recoveryId"] ?? .null
                output["scheduledPurgeDate"] = time(item["scheduledPurgeDate"])
            }
            return .object(output)
        })
    }

    private static func attributes(_ value: JSONValue?) -> JSONValue {
        .object(["created": time(value?["created"]), "enabled": value?["enabled"] ?? .null, "expires": time(value?["exp"]),
                 "exportable": value?["exportable"] ?? .null, "hsmPlatform": value?["hsmPlatform"] ?? .null,
                 "notBefore": time(value?["nbf"]), "recoverableDays": value?["recoverableDays"] ?? .null,
                 "recoveryLevel": value?["recoveryLevel"] ?? .null, "updated": time(value?["updated"])])
    }

    private static func jwk(_ key: JSONValue) -> JSONValue {
        .object(JSONObject(jwkFields.map { field -> (String, JSONValue) in
            let name = field == "key_ops" ? "keyOps" : field
            switch (field, key[field]) {
            case (_, nil), (_, .null?): return (name, .null)
            case ("kid", let value?), ("kty", let value?), ("key_ops", let value?), ("crv", let value?): return (name, value)
            case (_, .string(let text)?): return (name, Data(base64URL: text).map { .string($0.base64EncodedString()) } ?? .string(text))
            case (_, let value?): return (name, value)
            }
        }))
    }

    /// Unix seconds → what Python prints for an aware datetime (`2026-11-29T08:28:17+00:00`).
    private static func time(_ value: JSONValue?) -> JSONValue {
        guard case .integer(let seconds)? = value else { return .null }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'+00:00'"
        return .string(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    private static func name(of kid: JSONValue?) -> JSONValue {
        guard case .string(let text)? = kid else { return .null }
        let parts = text.split(separator: "/")
        return parts.count > 3 ? .string(String(parts[3])) : .null
    }
}
