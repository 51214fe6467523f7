// kura — a self-hosted encrypted container registry.
// KeyVaultRoute: which keys-API operation a method and path name.

/// A Key Vault keys operation, parsed from method and path (keywords match in any case; an empty
/// version segment, as in `/keys/k//wrapkey`, means the current version).
public enum KeyVaultRoute: Equatable, Sendable {
    case create(name: String)
    case importKey(name: String)
    case get(name: String, version: String?)
    case list
    case listVersions(name: String)
    case update(name: String, version: String?)
    case delete(name: String)
    case getDeleted(name: String)
    case listDeleted
    case recover(name: String)
    case purge(name: String)
    case backup(name: String)
    case restore
    case rotate(name: String)
    case getRotationPolicy(name: String)
    case setRotationPolicy(name: String)
    /// `encrypt`, `decrypt`, `wrapkey`, `unwrapkey`, `sign`, `verify`.
    case crypto(name: String, version: String?, operation: CryptoOperation)
    case random

    public enum CryptoOperation: String, Sendable, CaseIterable {
        case encrypt, decrypt, wrapkey, unwrapkey, sign, verify

        /// The access-policy permission the operation needs.
        public var permission: String {
            switch self {
            case .wrapkey: "wrapKey"
            case .unwrapkey: "unwrapKey"
            default: rawValue
            }
        }
    }

    /// - Throws: ``KeyVaultError`` 404 for a path that is no operation, 405 for a wrong method.
    public init(method: String, path: String) throws {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.first == "" { segments.removeFirst() }
        if segments.count > 1, segments.last == "" { segments.removeLast() }  // `/keys/k/` = `/keys/k`
        let lowered = segments.map { $0.lowercased() }
        func version(_ text: String) -> String? { text.isEmpty ? nil : text }
        let route: KeyVaultRoute?
        switch (method, lowered.count, lowered.first) {
        case ("GET", 1, "keys"): route = .list
        case ("GET", 1, "deletedkeys"): route = .listDeleted
        case ("POST", 1, "rng"): route = .random
        case ("POST", 2, "keys") where lowered[1] == "restore": route = .restore
        case ("GET", 2, "keys"): route = .get(name: segments[1], version: nil)
        case ("PATCH", 2, "keys"): route = .update(name: segments[1], version: nil)
        case ("PUT", 2, "keys"): route = .importKey(name: segments[1])
        case ("DELETE", 2, "keys"): route = .delete(name: segments[1])
        case ("GET", 2, "deletedkeys"): route = .getDeleted(name: segments[1])
        case ("DELETE", 2, "deletedkeys"): route = .purge(name: segments[1])
        case ("POST", 3, "deletedkeys") where lowered[2] == "recover": route = .recover(name: segments[1])
        case ("POST", 3, "keys"):
            switch lowered[2] {
            case "create": route = .create(name: segments[1])
            case "backup": route = .backup(name: segments[1])
            case "rotate": route = .rotate(name: segments[1])
            default: route = CryptoOperation(rawValue: lowered[2]).map { .crypto(name: segments[1], version: nil, operation: $0) }
            }
        case ("GET", 3, "keys") where lowered[2] == "versions": route = .listVersions(name: segments[1])
        case ("GET", 3, "keys") where lowered[2] == "rotationpolicy": route = .getRotationPolicy(name: segments[1])
        case ("PUT", 3, "keys") where lowered[2] == "rotationpolicy": route = .setRotationPolicy(name: segments[1])
        case ("GET", 3, "keys"): route = .get(name: segments[1], version: version(segments[2]))
        case ("PATCH", 3, "keys"): route = .update(name: segments[1], version: version(segments[2]))
        case ("POST", 4, "keys"):
            route = CryptoOperation(rawValue: lowered[3]).map { .crypto(name: segments[1], version: version(segments[2]), operation: $0) }
        default: route = nil
        }
        guard let route else {
            let known = ["keys", "deletedkeys", "rng"].contains(lowered.first ?? "")
            throw known ? KeyVaultError.methodNotAllowed(method, path) : KeyVaultError.notFound(path)
        }
        self = route
    }

    /// The access-policy permission (keys) the operation needs.
    public var permission: String {
        switch self {
        case .create: "create"
        case .importKey: "import"
        case .get, .getRotationPolicy: "get"
        case .list, .listVersions: "list"
        case .update, .setRotationPolicy: "update"
        case .delete: "delete"
        case .getDeleted: "get"
        case .listDeleted: "list"
        case .recover: "recover"
        case .purge: "purge"
        case .backup: "backup"
        case .restore: "restore"
        case .rotate: "rotate"
        case .crypto(_, _, let operation): operation.permission
        case .random: "get"
        }
    }

    /// The Azure RBAC data action the operation needs on an RBAC-mode vault.
    public var dataAction: String {
        switch self {
        case .get, .list, .listVersions, .getDeleted, .listDeleted, .getRotationPolicy, .random: "Microsoft.KeyVault/vaults/keys/read"
        case .delete: "Microsoft.KeyVault/vaults/keys/delete"
        case .crypto(_, _, .wrapkey): "Microsoft.KeyVault/vaults/keys/wrap/action"
        case .crypto(_, _, .unwrapkey): "Microsoft.KeyVault/vaults/keys/unwrap/action"
        case .crypto(_, _, let operation): "Microsoft.KeyVault/vaults/keys/\(operation.rawValue)/action"
        case .purge: "Microsoft.KeyVault/vaults/keys/purge/action"
        default: "Microsoft.KeyVault/vaults/keys/\(permission)/action"
        }
    }

    /// The operation's name in the audit log (Azure's diagnostic `operationName`).
    public var auditName: String {
        switch self {
        case .create: "KeyCreate"
        case .importKey: "KeyImport"
        case .get: "KeyGet"
        case .list: "KeyList"
        case .listVersions: "KeyListVersions"
        case .update: "KeyUpdate"
        case .delete: "KeyDelete"
        case .getDeleted: "KeyGetDeleted"
        case .listDeleted: "KeyListDeleted"
        case .recover: "KeyRecover"
        case .purge: "KeyPurge"
        case .backup: "KeyBackup"
        case .restore: "KeyRestore"
        case .rotate: "KeyRotate"
        case .getRotationPolicy: "KeyRotationPolicyGet"
        case .setRotationPolicy: "KeyRotationPolicyUpdate"
        case .crypto(_, _, .encrypt): "KeyEncrypt"
        case .crypto(_, _, .decrypt): "KeyDecrypt"
        case .crypto(_, _, .wrapkey): "KeyWrap"
        case .crypto(_, _, .unwrapkey): "KeyUnwrap"
        case .crypto(_, _, .sign): "KeySign"
        case .crypto(_, _, .verify): "KeyVerify"
        case .random: "RandomGet"
        }
    }

    /// The key name the operation addresses, if any.
    public var keyName: String? {
        switch self {
        case .create(let name), .importKey(let name), .get(let name, _), .listVersions(let name), .update(let name, _), .delete(let name),
             .getDeleted(let name), .recover(let name), .purge(let name), .backup(let name), .rotate(let name),
             .getRotationPolicy(let name), .setRotationPolicy(let name), .crypto(let name, _, _):
            name
        case .list, .listDeleted, .restore, .random: nil
        }
    }
}
