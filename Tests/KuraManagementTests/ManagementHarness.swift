import KuraAPI
import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraDirectory
import KuraKeyVault
import KuraManagement
import KuraRegistry
import KuraServer
import KuraStorage
import Testing

/// The management plane wired as `kura serve` wires it (``Planes/assemble``), on the in-memory
/// stores (their contract suites also run on SQLite and PostgreSQL) and a filesystem blob store in a
/// temp dir, with an Owner of the subscription to call it as.
struct ManagementHarness: Sendable {
    static let subscription = "11111111-1111-1111-1111-111111111111"
    static let tenant = "22222222-2222-2222-2222-222222222222"
    static let owner = "33333333-3333-3333-3333-333333333333"

    let planes: Planes
    let root: String
    /// The time of every rule of the planes (tests move it).
    let clock: ManualClock

    var api: ManagementAPI { planes.management }
    var provisioner: RegistryProvisioner { planes.provisioner }
    var environment: ManagementEnvironment { planes.environment }
    var vaults: KeyVaultService { planes.keyVault }
    var directory: DirectoryService { planes.directory }
    var blobs: EncryptedBlobStore { planes.blobs }

    static func run(pageSize: Int = 100, _ body: (ManagementHarness) async throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "kura-management-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keys = KeyHierarchy(rootKey: SymmetricKey(size: .bits256))
        let blobs = EncryptedBlobStore(store: try await FileSystemBlobStore.open(root: root + "/blobs"))
        let clock = ManualClock()
        let planes = try await Planes.assemble(stores: .memory(clock: clock), blobs: blobs, keys: keys,
                                               installation: Installation(tenantId: tenant, subscriptionId: subscription, createdAt: ""),
                                               config: KuraConfig(), clock: clock, pageSize: pageSize)
        try await planes.directory.add(PrincipalRecord(objectID: owner, appID: UUID().uuidString.lowercased(), displayName: "owner",
                                                       kind: .servicePrincipal, secretHash: nil, createdAt: 0))
        _ = try await planes.provisioner.ensureDefaultRegistry()
        try await ManagementBootstrap(store: planes.stores.management, environment: planes.environment, registries: planes.registryResources,
                                      access: planes.access).ensure(adminObjectID: owner)
        try await body(ManagementHarness(planes: planes, root: root, clock: clock))
    }

    /// Sends a request as `principal` (default: the subscription's Owner).
    @discardableResult
    func send(_ method: String, _ path: String, _ body: JSONValue? = nil, apiVersion: String? = "2024-11-01",
              query: [String: String] = [:], as principal: String = ManagementHarness.owner) async throws -> ManagementReply {
        var parameters = query
        if let apiVersion { parameters["api-version"] = apiVersion }
        let caller = ManagementCaller(objectID: principal, grants: try await planes.access.grants(of: principal))
        return try await api.handle(ManagementRequest(method: method, path: path, query: parameters, body: body, caller: caller))
    }

    /// The ARM error a request fails with (nil when it succeeds).
    func error(_ method: String, _ path: String, _ body: JSONValue? = nil, apiVersion: String? = "2024-11-01",
               as principal: String = ManagementHarness.owner) async throws -> ManagementError? {
        do {
            try await send(method, path, body, apiVersion: apiVersion, as: principal)
            return nil
        } catch let error as ManagementError {
            return error
        }
    }

    var sub: String { "/subscriptions/\(Self.subscription)" }
    func group(_ name: String) -> String { "\(sub)/resourceGroups/\(name)" }
    func vault(_ name: String, in group: String = "rg") -> String { "\(self.group(group))/providers/Microsoft.KeyVault/vaults/\(name)" }
    func registry(_ name: String, in group: String = "rg") -> String {
        "\(self.group(group))/providers/Microsoft.ContainerRegistry/registries/\(name)"
    }
    func identity(_ name: String, in group: String = "rg") -> String {
        "\(self.group(group))/providers/Microsoft.ManagedIdentity/userAssignedIdentities/\(name)"
    }

    func makeGroup(_ name: String = "rg") async throws {
        try await send("PUT", group(name), ["location": "eastus"])
    }

    /// A vault; `protected` turns purge protection on.
    @discardableResult
    func makeVault(_ name: String, protected: Bool, retention: Int64 = 90, in group: String = "rg") async throws -> JSONValue {
        var properties: JSONValue = ["tenantId": .string(Self.tenant), "sku": ["family": "A", "name": "standard"], "accessPolicies": [],
                                     "softDeleteRetentionInDays": .integer(retention)]
        if protected { properties["enablePurgeProtection"] = true }
        return try await send("PUT", vault(name, in: group), ["location": "eastus", "properties": properties], apiVersion: "2026-02-01").body!
    }

    @discardableResult
    func makeIdentity(_ name: String, in group: String = "rg") async throws -> JSONValue {
        try await send("PUT", identity(name, in: group), ["location": "eastus"], apiVersion: "2025-05-31-preview").body!
    }

    /// A principal with no role anywhere.
    func makeStranger() async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await directory.add(PrincipalRecord(objectID: id, appID: UUID().uuidString.lowercased(), displayName: "stranger",
                                                kind: .servicePrincipal, secretHash: nil, createdAt: 0))
        return id
    }

    /// Assigns a built-in role to `principal` at `scope`.
    func assign(_ role: RoleDefinition, to principal: String, at scope: String) async throws {
        try await send("PUT", "\(scope)/providers/Microsoft.Authorization/roleAssignments/\(UUID().uuidString.lowercased())",
                       ["properties": ["roleDefinitionId": .string(role.resourceID(subscription: Self.subscription)),
                                       "principalId": .string(principal)]], apiVersion: "2022-04-01")
    }

    /// A key id that names no real key (for rules checked before the vault is asked).
    func key(_ vault: String, _ name: String = "k1", version: String? = "0123456789abcdef") -> String {
        "https://\(vault).vault.localhost:8443/keys/\(name)" + (version.map { "/\($0)" } ?? "")
    }

    /// A real RSA key in `vault`, which `identity` (an identity document) may get, wrap and unwrap
    /// with; returns its versioned id (or the versionless one).
    func makeKey(_ vault: String, _ name: String = "k1", for identity: JSONValue, versioned: Bool = true) async throws -> String {
        for objectID in [Self.owner, identity["properties"]!["principalId"]!.stringValue!] {
            try await send("PUT", "\(self.vault(vault))/accessPolicies/add", ["properties": ["accessPolicies": [[
                "tenantId": .string(Self.tenant), "objectId": .string(objectID),
                "permissions": ["keys": objectID == Self.owner ? ["all"] : ["get", "wrapKey", "unwrapKey"]]]]]], apiVersion: "2026-02-01")
        }
        let reply = try await vaults.handle(.create(name: name), body: ["kty": "RSA"], query: [:],
                                            vault: try #require(try await planes.keyVaults.vault(named: vault)),
                                            caller: VaultCaller(objectID: Self.owner, appID: "owner", address: "test",
                                                                grants: PrincipalGrants(assignments: [])))
        let kid = reply.body!["key"]!["kid"]!.stringValue!
        return versioned ? kid : String(kid[..<kid.lastIndex(of: "/")!])
    }

    /// A CMK registry body.
    func cmkRegistry(sku: String = "Premium", identity: JSONValue, key: String) -> JSONValue {
        ["location": "eastus", "sku": ["name": .string(sku)],
         "identity": ["type": "UserAssigned", "userAssignedIdentities": .object([identity["id"]!.stringValue!: [:]])],
         "properties": ["encryption": ["status": "enabled",
                                       "keyVaultProperties": ["keyIdentifier": .string(key), "identity": identity["properties"]!["clientId"]!]]]]
    }
}
