import KuraAPI
import Foundation
import Synchronization
import KuraCore
import KuraDirectory
import KuraManagement
import KuraRegistry
import KuraServer
import Testing

/// Vaults: soft delete always on, purge protection one-way, retention, access policies, deleted vaults.
@Suite struct KeyVaultProviderTests {
    static let version = "2026-02-01"

    @Test func vaultsShowTheirURIAndAlwaysHaveSoftDeleteAndAPolicyList() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let vault = try await arm.makeVault("KvOne1", protected: true)
            let properties = try #require(vault["properties"])
            #expect(properties["vaultUri"] == "https://kvone1.vault.localhost:8443/")
            #expect(properties["enableSoftDelete"] == true && properties["enablePurgeProtection"] == true)
            #expect(properties["accessPolicies"] == [] && properties["enableRbacAuthorization"] == false)
            #expect(properties["tenantId"]?.stringValue == ManagementHarness.tenant)
            let softOff = try await arm.error("PUT", arm.vault("kvtwo2"), ["location": "eastus", "properties": [
                "tenantId": .string(ManagementHarness.tenant), "enableSoftDelete": false]], apiVersion: Self.version)
            #expect(softOff?.code == "SoftDeleteCannotBeDisabled")
            #expect(try await arm.error("PUT", arm.vault("a"), ["location": "eastus", "properties": ["tenantId": .string(ManagementHarness.tenant)]],
                                        apiVersion: Self.version)?.code == "VaultNameNotValid")
            let foreign = try await arm.error("PUT", arm.vault("kvthree3"), ["location": "eastus", "properties": ["tenantId": "x"]],
                                              apiVersion: Self.version)
            #expect(foreign?.code == "InvalidParameter")
        }
    }

    @Test func purgeProtectionCanNeverBeSwitchedOffAndRetentionIsFixed() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("kvprot1", protected: true, retention: 30)
            let off = try await arm.error("PATCH", arm.vault("kvprot1"), ["properties": ["enablePurgeProtection": false]],
                                          apiVersion: Self.version)
            #expect(off?.code == "PurgeProtectionCannotBeDisabled")
            let kept = try await arm.send("PUT", arm.vault("kvprot1"), ["location": "eastus", "properties": [
                "tenantId": .string(ManagementHarness.tenant), "softDeleteRetentionInDays": 30]], apiVersion: Self.version).body!
            #expect(kept["properties"]?["enablePurgeProtection"] == true, "a PUT without the flag keeps it on")
            let changed = try await arm.error("PATCH", arm.vault("kvprot1"), ["properties": ["softDeleteRetentionInDays": 60]],
                                              apiVersion: Self.version)
            #expect(changed?.code == "InvalidParameter" && changed?.message.contains("cannot be changed") == true)
            for days: Int64 in [6, 91] {
                let outOfRange = try await arm.error("PUT", arm.vault("kvrange\(days)"), ["location": "eastus", "properties": [
                    "tenantId": .string(ManagementHarness.tenant), "softDeleteRetentionInDays": .integer(days)]], apiVersion: Self.version)
                #expect(outOfRange?.message.contains("between 7 and 90") == true)
            }
        }
    }

    @Test func accessPoliciesAreValidatedAndMergedByAddReplaceRemove() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("kvpol1", protected: true)
            let object = UUID().uuidString.lowercased()
            func change(_ operation: String, _ keys: [JSONValue]) async throws -> [JSONValue] {
                try await arm.send("PUT", "\(arm.vault("kvpol1"))/accessPolicies/\(operation)", ["properties": ["accessPolicies": [[
                    "tenantId": .string(ManagementHarness.tenant), "objectId": .string(object), "permissions": ["keys": .array(keys)]]]]],
                    apiVersion: Self.version).body!["properties"]!["accessPolicies"]!.arrayValue!
            }
            #expect(try await change("add", ["get", "wrapKey"])[0]["permissions"]?["keys"] == ["get", "wrapKey"])
            #expect(try await change("add", ["unwrapKey", "GET"])[0]["permissions"]?["keys"] == ["get", "wrapKey", "unwrapKey"])
            #expect(try await change("remove", ["wrapKey"])[0]["permissions"]?["keys"] == ["get", "unwrapKey"])
            #expect(try await change("replace", ["list"])[0]["permissions"]?["keys"] == ["list"])
            #expect(try await change("remove", ["list"]) == [])
            let bad = try await arm.error("PUT", "\(arm.vault("kvpol1"))/accessPolicies/add", ["properties": ["accessPolicies": [[
                "tenantId": .string(ManagementHarness.tenant), "objectId": .string(object), "permissions": ["keys": ["fly"]]]]]],
                apiVersion: Self.version)
            #expect(bad?.code == "InvalidParameter" && bad?.message.contains("'fly' is not a valid keys permission") == true)
        }
    }

    @Test func deletedVaultsAreListedRecoveredAndPurgedByTheirRules() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("kvsoft1", protected: true, retention: 7)
            try await arm.makeVault("kvplain1", protected: false)
            for name in ["kvsoft1", "kvplain1"] { try await arm.send("DELETE", arm.vault(name), apiVersion: Self.version) }
            let listed = try await arm.send("GET", "\(arm.sub)/providers/Microsoft.KeyVault/deletedVaults", apiVersion: Self.version).body!
            let entries = listed["value"]?.arrayValue ?? []
            #expect(Set(entries.compactMap { $0["name"]?.stringValue }) == ["kvsoft1", "kvplain1"])
            #expect(entries.allSatisfy { $0["properties"]?["scheduledPurgeDate"]?.stringValue != nil && $0["properties"]?["kuraVault"] == nil })

            let reuse = try await arm.error("PUT", arm.vault("kvsoft1"), ["location": "eastus", "properties": [
                "tenantId": .string(ManagementHarness.tenant)]], apiVersion: Self.version)
            #expect(reuse?.code == "ConflictError" && reuse?.message.contains("deleted state") == true)

            let deleted = "\(arm.sub)/providers/Microsoft.KeyVault/locations/eastus/deletedVaults"
            let purgeProtected = try await arm.error("POST", "\(deleted)/kvsoft1/purge", apiVersion: Self.version)
            #expect(purgeProtected?.code == "PurgeProtectionEnabled")
            #expect(try await arm.send("POST", "\(deleted)/kvplain1/purge", apiVersion: Self.version).status == 200)
            #expect(try await arm.error("GET", "\(deleted)/kvplain1", apiVersion: Self.version)?.code == "ResourceNotFound")

            let recovered = try await arm.send("PUT", arm.vault("kvsoft1"), ["location": "eastus", "properties": [
                "tenantId": .string(ManagementHarness.tenant), "createMode": "recover"]], apiVersion: Self.version)
            #expect(recovered.status == 201)
            #expect(recovered.body?["properties"]?["enablePurgeProtection"] == true)
            #expect(recovered.body?["properties"]?["softDeleteRetentionInDays"] == 7)
            #expect(try await arm.error("GET", "\(deleted)/kvsoft1", apiVersion: Self.version)?.code == "ResourceNotFound")
        }
    }

    /// The hourly purge pass removes a deleted vault (keys and all) only once its retention has
    /// passed on the planes' clock — protected or not — and reports each purge as it makes it.
    @Test func thePurgePassRemovesDeletedVaultsOnlyAfterTheirRetention() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("kvretain1", protected: true, retention: 7)
            try await arm.send("DELETE", arm.vault("kvretain1"), apiVersion: Self.version)
            let purged = Mutex<[String]>([])
            func pass() async throws {
                try await arm.planes.deletedVaults.purgeExpired { event in
                    if case .vault(let name) = event { purged.withLock { $0.append(name) } }
                }
            }
            let deleted = "\(arm.sub)/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/kvretain1"
            arm.clock.advance(by: .seconds(7 * 86_400 - 60))
            try await pass()
            #expect(purged.withLock { $0 }.isEmpty, "within the retention nothing is purged")
            #expect(try await arm.send("GET", deleted, apiVersion: Self.version).status == 200)
            arm.clock.advance(by: .seconds(120))
            try await pass()
            #expect(purged.withLock { $0 } == ["kvretain1"])
            #expect(try await arm.error("GET", deleted, apiVersion: Self.version)?.code == "ResourceNotFound")
        }
    }

    @Test func vaultNamesAreGlobalInTheInstallation() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup("one")
            try await arm.makeGroup("two")
            try await arm.makeVault("kvglobal1", protected: false, in: "one")
            let taken = try await arm.error("PUT", arm.vault("KVGLOBAL1", in: "two"), ["location": "eastus", "properties": [
                "tenantId": .string(ManagementHarness.tenant)]], apiVersion: Self.version)
            #expect(taken?.code == "VaultAlreadyExists" && taken?.status == 409)
        }
    }
}
