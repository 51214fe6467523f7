// kura — a self-hosted encrypted container registry.
// VaultKeyProvider: `Microsoft.KeyVault/vaults/keys` — a vault's keys as ARM creates and reads them.

public import KuraAPI
import Foundation
public import KuraCore
import KuraDirectory
import KuraKeyVault

/// A vault's keys through ARM (what a template's `Microsoft.KeyVault/vaults/keys` resource
/// makes). Not stored as resources: each call goes to ``KeyVaultService``, authorized by the
/// caller's ARM roles (`Microsoft.KeyVault/vaults/keys/read|write`) instead of the vault's access
/// policies, as ARM does, and audited in the vault's log like any key operation. A PUT creates the
/// key's first version when the key does not exist and otherwise answers the key as it is,
/// changing nothing (ARM's rule: new versions, updates and deletes go through the Key Vault API).
public struct VaultKeyProvider: ResourceProvider {
    public static let type = "Microsoft.KeyVault/vaults/keys"
    public var resourceType: String { Self.type }
    public var wireModel: any Codable.Type { VaultKeyResource.self }
    let store: any ManagementStore
    let vaults: KeyVaultProvider
    let calls: InProcessVaultCall
    /// What the audit log records as the client address of ARM's key calls.
    static let address = "kura-management"

    public init(store: any ManagementStore, vaults: KeyVaultProvider, calls: InProcessVaultCall) {
        self.store = store
        self.vaults = vaults
        self.calls = calls
    }

    public func prepare(_ id: ResourceID, body: JSONValue, base: JSONValue, existing: ResourceRecord?,
                        caller: ManagementCaller) async throws -> JSONValue {
        throw ManagementError.badRequest("A vault's keys are kept by the vault, not as resources.")
    }

    public func handle(_ request: ManagementRequest, id: ResourceID) async throws -> ManagementReply? {
        guard let vaultID = id.parent else { return nil }
        switch request.method {
        case "GET", "HEAD":
            try request.caller.authorize("\(Self.type)/read", at: id)
            let vault = try await vault(vaultID)
            let found = try await key(id.name, in: vault, caller: request.caller)
            return request.method == "HEAD" ? ManagementReply(status: 204, body: nil) : .ok(found)
        case "PUT":
            try request.caller.authorize("\(Self.type)/write", at: id)
            guard request.body?.objectValue != nil else {
                throw ManagementError.invalidRequestContent("The request body must be a JSON object: {\"properties\": {\"kty\": …}}.")
            }
            let vault = try await vault(vaultID)
            do {
                return .ok(try await key(id.name, in: vault, caller: request.caller))
            } catch let error as ManagementError where error.code == "KeyNotFound" {
                let properties = request.body?.member(caseInsensitive: "properties") ?? [:]
                let body = try Self.createBody(properties, tags: request.body?.member(caseInsensitive: "tags"))
                do {
                    return .ok(try resource(try await perform(.create(name: id.name), body: body, in: vault, caller: request.caller), in: vault))
                } catch let error as ManagementError where error.code == "KeyExists" {
                    // A racing PUT (or a Key Vault create) made it first: answer that key, as a PUT of an existing one does.
                    return .ok(try await key(id.name, in: vault, caller: request.caller))
                }
            }
        default:
            throw ManagementError(status: 405, code: "MethodNotAllowed",
                                  "A vault's keys are created and read through ARM (PUT, GET); change or delete them with the Key Vault API.")
        }
    }

    /// `GET …/vaults/{v}/keys`: every key of the vault, each as a GET answers it.
    public func listChildren(of vaultID: ResourceID, _ request: ManagementRequest) async throws -> [JSONValue]? {
        try request.caller.authorize("\(Self.type)/read", at: vaultID)
        let vault = try await vault(vaultID)
        var names: [String] = []
        var query: [String: String] = [:]
        while true {
            let reply = try await perform(.list, body: nil, query: query, in: vault, caller: request.caller)
            guard let page = reply.answer as? KeyListPage<KeyItem> else { break }
            names += page.value.compactMap { $0.kid.split(separator: "/").last.map(String.init) }
            guard let next = page.nextLink, let token = URLComponents(string: next)?.queryItems?.first(where: { $0.name == "$skiptoken" })?.value
            else { break }
            query["$skiptoken"] = token
        }
        var keys: [JSONValue] = []
        for name in names {
            do {
                keys.append(try await key(name, in: vault, caller: request.caller))
            } catch let error as ManagementError where error.code == "KeyNotFound" {
                continue  // deleted since it was listed
            }
        }
        return keys
    }

    /// A deployment's check of a key resource: its name and its create parameters, as strictly
    /// as the PUT checks them.
    public func preflight(_ body: JSONValue, id: ResourceID, planned: Set<String>) async throws {
        do {
            try KeyVaultService.validate(name: id.name)
            _ = try KeyVaultService.checkedCreate(try Self.createBody(body.member(caseInsensitive: "properties") ?? [:],
                                                                      tags: body.member(caseInsensitive: "tags")))
        } catch let error as KeyVaultError {
            throw ManagementError(status: error.status, code: error.innerCode ?? error.code, error.message)
        }
    }

    // MARK: Key Vault calls

    /// The vault `id` names, in its resource group.
    func vault(_ id: ResourceID) async throws -> VaultContext {
        vaults.context(of: try await KeyVaultProvider.record(id, in: store))
    }

    func key(_ name: String, in vault: VaultContext, caller: ManagementCaller) async throws -> JSONValue {
        try resource(try await perform(.get(name: name, version: nil), body: nil, in: vault, caller: caller), in: vault)
    }

    /// One audited call; the vault's refusals keep their status and message, and their code is the
    /// specific one (`ObjectIsDeletedButRecoverable`, `KeyExists`) when the vault gives one.
    func perform(_ route: KeyVaultRoute, body: JSONValue?, query: [String: String] = [:], in vault: VaultContext,
                 caller: ManagementCaller) async throws -> KeyVaultService.Reply {
        do {
            return try await calls.perform(route, body: body, query: query, vault: vault, principal: caller.objectID, address: Self.address,
                                           authorization: .management)
        } catch let error as KeyVaultError {
            throw ManagementError(status: error.status, code: error.innerCode ?? error.code, error.message)
        }
    }

    /// ARM's `KeyCreateParameters` (`kty`, `keySize`, `curveName`, `keyOps`, `attributes`, any
    /// case) as the Key Vault API's create body; RSA 2048 when nothing is named.
    static func createBody(_ properties: JSONValue, tags: JSONValue?) throws -> JSONValue {
        guard properties.objectValue != nil else { throw ManagementError.invalidParameter("properties must be an object.") }
        // Each member keeps its type: the vault refuses a wrong one (a `"4096"` key size is not read as the default).
        var body: JSONValue = ["kty": properties.member(caseInsensitive: "kty") ?? "RSA"]
        let renamed = [("keySize", "key_size"), ("curveName", "crv"), ("keyOps", "key_ops"), ("attributes", "attributes")]
        for (armName, vaultName) in renamed {
            if let value = properties.member(caseInsensitive: armName), !value.isNull { body[vaultName] = value }
        }
        if let tags, !tags.isNull { body["tags"] = tags }
        return body
    }

    /// The key `reply` answers (a ``KeyBundle``) as ARM serves it (``VaultKeyResource``).
    func resource(_ reply: KeyVaultService.Reply, in vault: VaultContext) throws -> JSONValue {
        guard let bundle = reply.answer as? KeyBundle, let kid = bundle.key.kid else {
            throw ManagementError(status: 500, code: "InternalServerError", "The vault answered no key.")
        }
        let keyURI = kid.lastIndex(of: "/").map { String(kid[..<$0]) } ?? kid
        let name = keyURI.lastIndex(of: "/").map { String(keyURI[keyURI.index(after: $0)...]) } ?? keyURI
        var attributes = bundle.attributes
        attributes.recoverableDays = nil
        let bits = bundle.key.n.flatMap { Data(base64URLEncoded: $0) }.map { Self.bits(modulus: Array($0)) }
        let properties: JSONValue = [
            "attributes": JSONValue(encoding: attributes), "kty": .string(bundle.key.kty), "keyOps": JSONValue(encoding: bundle.key.keyOps ?? []),
            "keySize": bits.map { .integer(Int64($0)) } ?? .null, "curveName": bundle.key.crv.map(JSONValue.string) ?? .null,
            "keyUri": .string(keyURI), "keyUriWithVersion": .string(kid),
        ]
        return try JSONValue.object([
            "id": .string("\(vault.resourceID.description)/keys/\(name)"), "name": .string(name), "type": .string(Self.type),
            "location": .string(vault.location), "tags": JSONValue(encoding: bundle.tags ?? [:]), "properties": properties,
        ]).reshaped(as: VaultKeyResource.self)
    }

    /// An RSA modulus's size in bits (a leading zero byte, if any, not counted).
    static func bits(modulus: [UInt8]) -> Int { modulus.drop { $0 == 0 }.count * 8 }
}
