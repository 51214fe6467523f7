import Foundation
import KuraAPI
import KuraCore
import KuraDirectory
import KuraKeyVault
import KuraManagement
import KuraServer
import Testing

/// `Microsoft.KeyVault/vaults/keys` through ARM: a PUT makes the key's first version and never a
/// second, reads and lists answer ARM's shape, ARM roles (not access policies) decide, and every
/// call is in the vault's audit log.
@Suite struct VaultKeyProviderTests {
    static let version = "2023-07-01"

    func key(_ arm: ManagementHarness, _ vault: String, _ name: String, in group: String = "rg") -> String {
        "\(arm.vault(vault, in: group))/keys/\(name)"
    }

    @Test func aPutCreatesTheFirstVersionOnlyAndReadsAnswerIt() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("keyvault1", protected: true)
            let created = try await arm.send("PUT", key(arm, "keyvault1", "cmk"), ["properties": ["kty": "RSA", "keySize": 3072]],
                                             apiVersion: Self.version).body!
            #expect(created["type"] == "Microsoft.KeyVault/vaults/keys" && created["name"] == "cmk" && created["location"] == "eastus")
            #expect(created["id"]?.stringValue == key(arm, "keyvault1", "cmk"))
            let properties = try #require(created["properties"])
            #expect(properties["kty"] == "RSA" && properties["keySize"] == 3072 && properties["curveName"] == nil)
            #expect(properties["keyUri"]?.stringValue == "https://keyvault1.vault.localhost:8443/keys/cmk")
            let versioned = try #require(properties["keyUriWithVersion"]?.stringValue)
            #expect(versioned.hasPrefix("https://keyvault1.vault.localhost:8443/keys/cmk/") && versioned.count > properties["keyUri"]!.stringValue!.count + 1)
            #expect(properties["attributes"]?["enabled"] == true && properties["attributes"]?["recoveryLevel"] == "Recoverable")

            // A second PUT changes nothing, whatever it asks for (ARM: new versions go through the Key Vault API).
            let again = try await arm.send("PUT", key(arm, "keyvault1", "cmk"), ["properties": ["kty": "EC"]], apiVersion: Self.version).body!
            #expect(again["properties"]?["keyUriWithVersion"]?.stringValue == versioned && again["properties"]?["kty"] == "RSA")
            #expect(try await arm.send("GET", key(arm, "keyvault1", "cmk"), apiVersion: Self.version).body == again)
            #expect(try await arm.planes.stores.vaults.keyVersions(vault: "keyvault1", name: "cmk").count == 1, "one version, made by the first PUT")
        }
    }

    /// Racing PUTs of one new key make one version, and every PUT answers it.
    @Test func racingPutsMakeOneVersion() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("keyvault5", protected: true)
            let answers = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await arm.send("PUT", key(arm, "keyvault5", "raced"), [:], apiVersion: Self.version).body }
                }
                var answers: [JSONValue?] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            #expect(try await arm.planes.stores.vaults.keyVersions(vault: "keyvault5", name: "raced").count == 1)
            #expect(Set(answers.map { $0?["properties"]?["keyUriWithVersion"]?.stringValue ?? "none" }).count == 1)
        }
    }

    /// The management plane's authorization reaches creates, reads and lists only.
    @Test(arguments: [KeyVaultRoute.delete(name: "k"), .rotate(name: "k"), .listVersions(name: "k"), .backup(name: "k"),
                      .crypto(name: "k", version: nil, operation: .unwrapkey), .update(name: "k", version: nil), .purge(name: "k")])
    func managementAuthorizationReachesNoOtherOperation(_ route: KeyVaultRoute) async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("keyvault6", protected: false)
            try await arm.send("PUT", key(arm, "keyvault6", "k"), [:], apiVersion: Self.version)
            let vault = try #require(try await arm.planes.keyVaults.vault(named: "keyvault6"))
            await #expect(throws: KeyVaultError.self) {
                try await arm.vaults.handle(route, body: ["alg": "RSA-OAEP-256", "value": "AAAA"], query: [:], vault: vault,
                                            caller: VaultCaller(objectID: ManagementHarness.owner, appID: "-", address: "test",
                                                                grants: try await arm.planes.access.grants(of: ManagementHarness.owner)),
                                            authorization: .management)
            }
            #expect(try await arm.planes.stores.vaults.keyVersions(vault: "keyvault6", name: "k").count == 1, "nothing was changed")
        }
    }

    /// A soft-deleted key's name is refused in Key Vault's words, under a code a deployment does not wait on.
    @Test func aDeletedKeysNameIsRefused() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("keyvault7", protected: false)
            try await arm.send("PUT", key(arm, "keyvault7", "gone"), [:], apiVersion: Self.version)
            try await arm.planes.stores.vaults.setKeyDeleted(vault: "keyvault7", name: "gone", deletedAt: 1, scheduledPurgeAt: 2, audit: nil)
            let refused = try await arm.error("PUT", key(arm, "keyvault7", "gone"), [:], apiVersion: Self.version)
            #expect(refused?.status == 409 && refused?.code == "ObjectIsDeletedButRecoverable", "\(String(describing: refused))")
        }
    }

    @Test func anECKeyAndTheVaultsListOfKeys() async throws {
        try await ManagementHarness.run(pageSize: 2) { arm in
            try await arm.makeGroup()
            try await arm.makeVault("keyvault2", protected: false)
            let ec = try await arm.send("PUT", key(arm, "keyvault2", "signing"),
                                        ["properties": ["kty": "EC", "curveName": "P-384", "keyOps": ["sign", "verify"]], "tags": ["use": "sign"]],
                                        apiVersion: Self.version).body!
            #expect(ec["properties"]?["kty"] == "EC" && ec["properties"]?["curveName"] == "P-384" && ec["properties"]?["keySize"] == nil)
            #expect(ec["properties"]?["keyOps"] == ["sign", "verify"] && ec["tags"] == ["use": "sign"])
            for name in ["a1", "a2"] { try await arm.send("PUT", key(arm, "keyvault2", name), [:], apiVersion: Self.version) }
            let first = try await arm.send("GET", "\(arm.vault("keyvault2"))/keys", apiVersion: Self.version).body!
            #expect(first["value"]?.arrayValue?.count == 2)
            let next = try #require(first["nextLink"]?.stringValue.flatMap { URLComponents(string: $0) })
            let token = try #require(next.queryItems?.first { $0.name == "$skiptoken" }?.value)
            let second = try await arm.send("GET", "\(arm.vault("keyvault2"))/keys", apiVersion: Self.version, query: ["$skiptoken": token]).body!
            let names = (first["value"]!.arrayValue! + second["value"]!.arrayValue!).compactMap { $0["name"]?.stringValue }
            #expect(names.sorted() == ["a1", "a2", "signing"])
            #expect(second["value"]?.arrayValue?.allSatisfy { $0["properties"]?["keyUriWithVersion"] != nil } == true)
        }
    }

    @Test func armRolesDecideNotAccessPoliciesAndEveryCallIsAudited() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("keyvault3", protected: true)
            // The Owner is in no access policy of the vault: ARM's role is what lets it create the key.
            try await arm.send("PUT", key(arm, "keyvault3", "cmk"), [:], apiVersion: Self.version)
            let reader = try await arm.makeStranger()
            #expect(try await arm.error("GET", key(arm, "keyvault3", "cmk"), apiVersion: Self.version, as: reader)?.code == "AuthorizationFailed")
            try await arm.assign(.reader, to: reader, at: arm.group("rg"))
            #expect(try await arm.send("GET", key(arm, "keyvault3", "cmk"), apiVersion: Self.version, as: reader).status == 200)
            let refused = try await arm.error("PUT", key(arm, "keyvault3", "other"), [:], apiVersion: Self.version, as: reader)
            #expect(refused?.code == "AuthorizationFailed" && refused?.message.contains("Microsoft.KeyVault/vaults/keys/write") == true)

            let entries = try await arm.planes.audit.entries(vault: "keyvault3").map { try JSONValue(parsing: Data($0.entry.utf8)) }
            let byManagement = entries.filter { $0["clientAddress"] == "kura-management" }
            #expect(byManagement.map { $0["operation"]?.stringValue ?? "" } == ["KeyGet", "KeyCreate", "KeyGet"], "\(entries)")
            #expect(byManagement.map { $0["resultCode"] } == [404, 200, 200])
            #expect(byManagement.map { $0["callerObjectId"]?.stringValue } == [ManagementHarness.owner, ManagementHarness.owner, reader])
        }
    }

    @Test func refusalsInARMsShape() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("keyvault4", protected: true)
            #expect(try await arm.error("GET", key(arm, "keyvault4", "missing"), apiVersion: Self.version)?.code == "KeyNotFound")
            #expect(try await arm.error("PUT", key(arm, "nosuchvault", "k"), [:], apiVersion: Self.version)?.code == "ResourceNotFound")
            #expect(try await arm.error("PUT", key(arm, "keyvault4", "k", in: "nosuchgroup"), [:], apiVersion: Self.version)?.code
                    == "ResourceGroupNotFound")
            let badType = try await arm.error("PUT", key(arm, "keyvault4", "k"), ["properties": ["kty": "oct"]], apiVersion: Self.version)
            #expect(badType?.status == 400 && badType?.message.contains("is not supported; use RSA, RSA-HSM, EC or EC-HSM") == true)
            #expect(try await arm.error("PUT", key(arm, "keyvault4", "bad_name"), [:], apiVersion: Self.version)?.status == 400)
            #expect(try await arm.error("PUT", key(arm, "keyvault4", "k"), ["properties": "RSA"], apiVersion: Self.version)?.code
                    == "InvalidParameter")
            // A member of the wrong type is refused, never read as its default (a "4096" must not make a 2048-bit key).
            for (properties, expected) in [(["keySize": "4096"] as JSONValue, "'key_size' must be an integer"), (["keySize": .double(3072.5)], "'key_size' must be an integer"),
                                           (["kty": "EC", "curveName": 1], "'crv' must be a string"), (["kty": 1], "'kty' must be a string"),
                                           (["attributes": "x"], "'attributes' must be an object"),
                                           (["attributes": ["exportable": true]], "exportable keys need a release policy"),
                                           (["keyOps": "wrapKey"], "'key_ops' must be an array")] {
                let refused = try await arm.error("PUT", key(arm, "keyvault4", "typed"), ["properties": properties], apiVersion: Self.version)
                #expect(refused?.status == 400 && refused?.message.contains(expected) == true, "\(properties.text) → \(String(describing: refused))")
            }
            #expect(try await arm.error("PUT", key(arm, "keyvault4", "typed"), [], apiVersion: Self.version)?.code == "InvalidRequestContent")
            #expect(try await arm.error("GET", key(arm, "keyvault4", "typed"), apiVersion: Self.version)?.code == "KeyNotFound", "nothing was made")
            try await arm.send("PUT", key(arm, "keyvault4", "k"), [:], apiVersion: Self.version)
            #expect(try await arm.error("DELETE", key(arm, "keyvault4", "k"), apiVersion: Self.version)?.status == 405)
            #expect(try await arm.error("GET", key(arm, "keyvault4", "k"), apiVersion: "1999-01-01")?.code == "InvalidApiVersionParameter")
        }
    }
}
