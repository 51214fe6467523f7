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
            let vault = try #require(try await arm.planes.keyVaults.vault(named: "keyvault1"))
            let versions = try await arm.vaults.handle(.listVersions(name: "cmk"), body: nil, query: [:], vault: vault,
                                                       caller: VaultCaller(objectID: ManagementHarness.owner, appID: "-", address: "test",
                                                                           grants: PrincipalGrants(assignments: [])),
                                                       authorization: .management)
            #expect(versions.body?["value"]?.arrayValue?.count == 1, "one version, made by the first PUT")
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
            try await arm.send("PUT", key(arm, "keyvault4", "k"), [:], apiVersion: Self.version)
            #expect(try await arm.error("DELETE", key(arm, "keyvault4", "k"), apiVersion: Self.version)?.status == 405)
            #expect(try await arm.error("GET", key(arm, "keyvault4", "k"), apiVersion: "1999-01-01")?.code == "InvalidApiVersionParameter")
        }
    }
}
