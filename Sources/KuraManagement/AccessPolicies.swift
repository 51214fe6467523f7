// kura — a self-hosted encrypted container registry.
// AccessPolicies: a vault's access policy list — validation and the add/replace/remove merges.

public import KuraAPI
import Foundation
import KuraCore

/// A vault's `accessPolicies`: entries of `{tenantId, objectId, [applicationId], permissions:
/// {keys, secrets, certificates, storage}}` with Azure's permission names (matched without case,
/// kept as written).
public enum AccessPolicies {
    /// Azure's permission names per kind, lower-cased.
    public static let permissionNames: [String: Set<String>] = [
        "keys": ["all", "backup", "create", "decrypt", "delete", "encrypt", "get", "getrotationpolicy", "import", "list", "purge",
                 "recover", "release", "restore", "rotate", "setrotationpolicy", "sign", "unwrapkey", "update", "verify", "wrapkey"],
        "secrets": ["all", "backup", "delete", "get", "list", "purge", "recover", "restore", "set"],
        "certificates": ["all", "backup", "create", "delete", "deleteissuers", "get", "getissuers", "import", "list", "listissuers",
                         "managecontacts", "manageissuers", "purge", "recover", "restore", "setissuers", "update"],
        "storage": ["all", "backup", "delete", "deletesas", "get", "getsas", "list", "listsas", "purge", "recover", "regeneratekey",
                    "restore", "set", "setsas", "update"],
    ]

    /// `list` checked and normalised: always an array; each entry has this tenant, an object id,
    /// and known permission names.
    /// - Throws: ``ManagementError`` `InvalidParameter` naming the bad entry or permission.
    public static func validated(_ list: JSONValue, tenantID: String) throws -> JSONValue {
        guard let entries = list.arrayValue else { throw ManagementError.invalidParameter("properties.accessPolicies must be an array.") }
        guard entries.count <= 1024 else { throw ManagementError.invalidParameter("A vault can hold at most 1024 access policies.") }
        return .array(try entries.enumerated().map { index, entry in
            guard let objectID = entry.member(caseInsensitive: "objectId")?.stringValue, !objectID.isEmpty else {
                throw ManagementError.invalidParameter("accessPolicies[\(index)].objectId is required.")
            }
            let tenant = entry.member(caseInsensitive: "tenantId")?.stringValue ?? tenantID
            guard tenant.lowercased() == tenantID else {
                throw ManagementError.invalidParameter("accessPolicies[\(index)].tenantId must be this installation's tenant '\(tenantID)'.")
            }
            var permissions: JSONObject = [:]
            for (kind, value) in entry.member(caseInsensitive: "permissions")?.objectValue ?? [:] {
                guard let known = permissionNames[kind.lowercased()] else {
                    throw ManagementError.invalidParameter("accessPolicies[\(index)].permissions.\(kind) is not a permission kind (keys, secrets, certificates, storage).")
                }
                let names = try (value.arrayValue ?? []).map { name -> JSONValue in
                    guard let text = name.stringValue, known.contains(text.lowercased()) else {
                        throw ManagementError.invalidParameter("'\(name.stringValue ?? "?")' is not a valid \(kind) permission. Valid: \(known.sorted().joined(separator: ", ")).")
                    }
                    return .string(text)
                }
                permissions[kind.lowercased()] = .array(names)
            }
            var result: JSONValue = ["tenantId": .string(tenant.lowercased()), "objectId": .string(objectID.lowercased()),
                                     "permissions": .object(permissions)]
            if let application = entry.member(caseInsensitive: "applicationId")?.stringValue { result["applicationId"] = .string(application) }
            return result
        })
    }

    /// Applies `accessPolicies/{add|replace|remove}` with `changes` to `current`. An entry is the
    /// same when tenant, object id and application id match; `add` unions permissions, `replace`
    /// replaces the entry, `remove` takes permissions away and drops entries left empty.
    public static func apply(_ operation: String, changes: JSONValue, to current: JSONValue, tenantID: String) throws -> JSONValue {
        var entries = try validated(current, tenantID: tenantID).arrayValue ?? []
        for change in try validated(changes, tenantID: tenantID).arrayValue ?? [] {
            let index = entries.firstIndex { key($0) == key(change) }
            switch (operation.lowercased(), index) {
            case ("add", let index?):
                entries[index]["permissions"] = union(entries[index]["permissions"], change["permissions"])
            case ("add", nil), ("replace", nil):
                entries.append(change)
            case ("replace", let index?):
                entries[index] = change
            case ("remove", let index?):
                let remaining = subtract(entries[index]["permissions"], change["permissions"])
                if remaining.objectValue?.values.allSatisfy({ $0.arrayValue?.isEmpty ?? true }) ?? true {
                    entries.remove(at: index)
                } else {
                    entries[index]["permissions"] = remaining
                }
            case ("remove", nil):
                continue
            default:
                throw ManagementError.invalidParameter("The access policy operation must be add, replace or remove, not '\(operation)'.")
            }
        }
        return .array(entries)
    }

    static func key(_ entry: JSONValue) -> [String] {
        ["tenantId", "objectId", "applicationId"].map { entry[$0]?.stringValue?.lowercased() ?? "" }
    }

    static func union(_ left: JSONValue?, _ right: JSONValue?) -> JSONValue {
        var result = left?.objectValue ?? [:]
        for (kind, names) in right?.objectValue ?? [:] {
            var merged = result[kind]?.arrayValue ?? []
            for name in names.arrayValue ?? [] where !merged.contains(where: { $0.stringValue?.lowercased() == name.stringValue?.lowercased() }) {
                merged.append(name)
            }
            result[kind] = .array(merged)
        }
        return .object(result)
    }

    static func subtract(_ left: JSONValue?, _ right: JSONValue?) -> JSONValue {
        var result = left?.objectValue ?? [:]
        for (kind, names) in right?.objectValue ?? [:] {
            let removed = Set((names.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() })
            result[kind] = .array((result[kind]?.arrayValue ?? []).filter { !removed.contains($0.stringValue?.lowercased() ?? "") })
        }
        return .object(result)
    }
}
