import KuraAPI
import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraDirectory
import KuraKeyVault
import Testing

/// The keys API's rules on the in-memory vault store (its contract suite also runs on SQLite and
/// PostgreSQL): authorization, usability checks, retention and events.
@Suite struct KeyVaultServiceTests {
    static let owner = "11111111-0000-0000-0000-000000000001"

    static func vault(policies: [JSONValue] = [], rbac: Bool = false, protected: Bool = false) -> VaultContext {
        let id = ResourceID.resource(subscription: "s", resourceGroup: "rg", type: "Microsoft.KeyVault/vaults", name: "KV1")
        return VaultContext(id: id, document: [
            "location": "eastus", "properties": ["accessPolicies": .array(policies), "enableRbacAuthorization": .bool(rbac),
                                                 "softDeleteRetentionInDays": 7, "enablePurgeProtection": .bool(protected)]],
                            baseURL: "https://kv1.vault.localhost:8443")
    }

    static func policy(_ objectID: String, _ keys: [JSONValue]) -> JSONValue {
        ["tenantId": "t", "objectId": .string(objectID), "permissions": ["keys": .array(keys)]]
    }

    static func caller(_ objectID: String, grants: [RoleAssignmentRecord] = []) -> VaultCaller {
        VaultCaller(objectID: objectID, appID: "app", address: "127.0.0.1", grants: PrincipalGrants(assignments: grants))
    }

    /// A service on a fresh in-memory store, with its event bus and the clock it reads.
    static func withService(_ body: (KeyVaultService, VaultEventBus, ManualClock) async throws -> Void) async throws {
        let events = VaultEventBus()
        let clock = ManualClock()
        try await body(KeyVaultService(store: MemoryVaultStore(), hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), events: events,
                                       clock: clock), events, clock)
    }

    @Test func accessPoliciesGrantByObjectIDAndPermission() async throws {
        try await Self.withService { service, _, clock in
            let vault = Self.vault(policies: [Self.policy(Self.owner, ["all"]), Self.policy("wrapper", ["get", "UNWRAPKEY"])])
            let created = try await service.handle(.create(name: "k1"), body: ["kty": "RSA"], query: [:], vault: vault, caller: Self.caller(Self.owner))
            let version = try #require(created.keyVersion)
            let wrapped = try await service.handle(.crypto(name: "k1", version: version, operation: .wrapkey),
                                                   body: ["alg": "RSA-OAEP", "value": .string(Data(repeating: 1, count: 32).base64URLEncodedString())],
                                                   query: [:], vault: vault, caller: Self.caller(Self.owner))
            let unwrapped = try await service.handle(.crypto(name: "k1", version: nil, operation: .unwrapkey),
                                                     body: ["alg": "RSA-OAEP", "value": wrapped.body!["value"]!], query: [:], vault: vault,
                                                     caller: Self.caller("WRAPPER"))
            #expect(unwrapped.body?["value"]?.stringValue == Data(repeating: 1, count: 32).base64URLEncodedString())
            await #expect(throws: KeyVaultError.self) {
                try await service.handle(.delete(name: "k1"), body: nil, query: [:], vault: vault, caller: Self.caller("wrapper"))
            }
            do {
                _ = try await service.handle(.get(name: "k1", version: nil), body: nil, query: [:], vault: vault, caller: Self.caller("stranger"))
                Issue.record("a caller without a policy was let in")
            } catch let error as KeyVaultError {
                #expect(error.status == 403 && error.innerCode == "AccessDenied" && error.message.contains("does not have keys get permission"))
            }
        }
    }

    /// Rotation policies are not built: setting one is refused (never stored-and-ignored), and
    /// reading one shows Key Vault's default.
    /// A `key_ops` that is not an array of names is refused — never read as "the defaults", which
    /// would widen a key restricted to fewer operations; `null` changes nothing.
    @Test func keyOperationsThatAreNoListAreRefusedNotWidened() async throws {
        try await Self.withService { service, _, _ in
            let vault = Self.vault(policies: [Self.policy(Self.owner, ["all"])])
            let owner = Self.caller(Self.owner)
            _ = try await service.handle(.create(name: "k1"), body: ["kty": "RSA", "key_ops": ["verify"]], query: [:], vault: vault, caller: owner)
            for wrong: JSONValue in ["sign", [5], ["sign", 5], ["a": "sign"]] {
                await #expect(throws: KeyVaultError.badParameter("'key_ops' must be an array of operation names (encrypt, decrypt, sign, verify, wrapKey, unwrapKey).")) {
                    try await service.handle(.update(name: "k1", version: nil), body: ["key_ops": wrong], query: [:], vault: vault, caller: owner)
                }
            }
            let unchanged = try await service.handle(.update(name: "k1", version: nil), body: ["key_ops": .null], query: [:], vault: vault,
                                                     caller: owner)
            #expect(unchanged.body?["key"]?["key_ops"] == ["verify"])
            await #expect(throws: KeyVaultError.self) {
                try await service.handle(.create(name: "k2"), body: ["kty": "RSA", "key_ops": "sign"], query: [:], vault: vault, caller: owner)
            }
        }
    }

    @Test func settingARotationPolicyIsRefusedNotPretended() async throws {
        try await Self.withService { service, _, clock in
            let vault = Self.vault(policies: [Self.policy(Self.owner, ["all"])])
            _ = try await service.handle(.create(name: "k1"), body: ["kty": "RSA"], query: [:], vault: vault, caller: Self.caller(Self.owner))
            let policy: JSONValue = ["lifetimeActions": [["trigger": ["timeAfterCreate": "P90D"], "action": ["type": "Rotate"]]]]
            let refusal = await #expect(throws: KeyVaultError.self) {
                try await service.handle(.setRotationPolicy(name: "k1"), body: policy, query: [:], vault: vault, caller: Self.caller(Self.owner))
            }
            #expect(refusal?.status == 400 && refusal?.code == "NotSupported")
            let shown = try await service.handle(.getRotationPolicy(name: "k1"), body: nil, query: [:], vault: vault, caller: Self.caller(Self.owner))
            #expect(shown.body?["lifetimeActions"] == [["trigger": ["timeBeforeExpiry": "P30D"], "action": ["type": "Notify"]]])
        }
    }

    @Test func rbacVaultsAskRoleAssignmentsInstead() async throws {
        try await Self.withService { service, _, clock in
            let vault = Self.vault(policies: [Self.policy(Self.owner, ["all"])], rbac: true)
            await #expect(throws: KeyVaultError.self, "policies do not count on an RBAC vault") {
                try await service.handle(.list, body: nil, query: [:], vault: vault, caller: Self.caller(Self.owner))
            }
            let officer = RoleAssignmentRecord(name: "a", scope: vault.resourceID, roleDefinitionID: RoleDefinition.keyVaultCryptoOfficer.id,
                                               principalID: Self.owner, principalType: "ServicePrincipal", createdBy: "x", createdAt: 0)
            _ = try await service.handle(.create(name: "k1"), body: ["kty": "EC"], query: [:], vault: vault,
                                         caller: Self.caller(Self.owner, grants: [officer]))
            let reader = RoleAssignmentRecord(name: "b", scope: vault.resourceID, roleDefinitionID: RoleDefinition.keyVaultReader.id,
                                              principalID: "reader", principalType: "ServicePrincipal", createdBy: "x", createdAt: 0)
            _ = try await service.handle(.get(name: "k1", version: nil), body: nil, query: [:], vault: vault, caller: Self.caller("reader", grants: [reader]))
            await #expect(throws: KeyVaultError.self) {
                try await service.handle(.delete(name: "k1"), body: nil, query: [:], vault: vault, caller: Self.caller("reader", grants: [reader]))
            }
        }
    }

    @Test func keysOutsideTheirValidityOrOpsAreRefused() async throws {
        try await Self.withService { service, _, clock in
            let vault = Self.vault(policies: [Self.policy(Self.owner, ["all"])])
            let caller = Self.caller(Self.owner)
            let now = Int64(Date().timeIntervalSince1970)
            let digest = JSONValue.string(Data(SHA256.hash(data: Data("x".utf8))).base64URLEncodedString())
            func sign(_ name: String) async throws -> KeyVaultError? {
                do {
                    _ = try await service.handle(.crypto(name: name, version: nil, operation: .sign), body: ["alg": "RS256", "value": digest],
                                                 query: [:], vault: vault, caller: caller)
                    return nil
                } catch let error as KeyVaultError { return error }
            }
            _ = try await service.handle(.create(name: "future"), body: ["kty": "RSA", "attributes": ["nbf": .integer(now + 3600)]],
                                         query: [:], vault: vault, caller: caller)
            _ = try await service.handle(.create(name: "expired"), body: ["kty": "RSA", "attributes": ["exp": .integer(now - 1)]],
                                         query: [:], vault: vault, caller: caller)
            _ = try await service.handle(.create(name: "wraponly"), body: ["kty": "RSA", "key_ops": ["wrapKey", "unwrapKey"]],
                                         query: [:], vault: vault, caller: caller)
            #expect(try await sign("future")?.innerCode == "KeyNotYetValid")
            #expect(try await sign("expired")?.innerCode == "KeyExpired")
            #expect(try await sign("wraponly")?.innerCode == "OperationNotAllowed")
            _ = try await service.handle(.update(name: "wraponly", version: nil), body: ["key_ops": ["sign"]], query: [:], vault: vault, caller: caller)
            #expect(try await sign("wraponly") == nil)
        }
    }

    @Test func deletedKeysArePurgedOnlyAfterTheirRetentionAndRespectPurgeProtection() async throws {
        try await Self.withService { service, _, clock in
            let vault = Self.vault(policies: [Self.policy(Self.owner, ["all"])], protected: true)
            let caller = Self.caller(Self.owner)
            for name in ["old", "kept"] {
                _ = try await service.handle(.create(name: name), body: ["kty": "EC"], query: [:], vault: vault, caller: caller)
            }
            _ = try await service.handle(.delete(name: "old"), body: nil, query: [:], vault: vault, caller: caller)
            do {
                _ = try await service.handle(.purge(name: "old"), body: nil, query: [:], vault: vault, caller: caller)
                Issue.record("purge protection let a purge through")
            } catch let error as KeyVaultError {
                #expect(error.status == 403 && error.innerCode == "PurgeProtectionEnabled")
            }
            #expect(try await service.purgeExpired(vault: "kv1").isEmpty, "retention (7 days) has not passed")
            clock.advance(by: .seconds(8 * 86_400))
            #expect(try await service.purgeExpired(vault: "kv1") == ["old"])
            await #expect(throws: KeyVaultError.self) {
                try await service.handle(.getDeleted(name: "old"), body: nil, query: [:], vault: vault, caller: caller)
            }
            _ = try await service.handle(.get(name: "kept", version: nil), body: nil, query: [:], vault: vault, caller: caller)
        }
    }

    @Test func changesArePublishedAsEvents() async throws {
        try await Self.withService { service, events, clock in
            let stream = events.subscribe()
            let vault = Self.vault(policies: [Self.policy(Self.owner, ["all"])])
            let caller = Self.caller(Self.owner)
            for route in [KeyVaultRoute.create(name: "K1"), .rotate(name: "k1"), .update(name: "k1", version: nil), .delete(name: "k1"),
                          .recover(name: "k1")] {
                let body: JSONValue? = switch route {
                case .create: ["kty": "RSA"]
                case .update: ["attributes": ["enabled": false]]
                default: nil
                }
                _ = try await service.handle(route, body: body, query: [:], vault: vault, caller: caller)
            }
            var kinds: [VaultEvent.Kind] = []
            for await event in stream {
                #expect(event.vault == "kv1" && event.key == "k1")
                kinds.append(event.kind)
                if kinds.count == 5 { break }
            }
            #expect(kinds == [.keyCreated, .keyRotated, .keyUpdated, .keyDeleted, .keyRecovered])
        }
    }
}
