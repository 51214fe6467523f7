import KuraAPI
import Foundation
import KuraCore
import KuraDirectory
import KuraManagement
import KuraRegistry
import KuraServer
import KuraStorage
import NIOCore
import Testing

/// Registries through ARM: wired to the registry plane, and the seed's encryption rules.
@Suite struct ContainerRegistryProviderTests {
    static let version = "2026-09-01-preview"

    /// A group `rg` with identity `cmkid`, protected vault `kvprot1` and unprotected `kvopen1`.
    static func withCMKSetup(_ body: (ManagementHarness, JSONValue) async throws -> Void) async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let identity = try await arm.makeIdentity("cmkid")
            try await arm.makeVault("kvprot1", protected: true)
            try await arm.makeVault("kvopen1", protected: false)
            try await body(arm, identity)
        }
    }

    @Test func aRegistryIsServedAsSoonAsItIsCreatedAndErasedWhenDeleted() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let created = try await arm.send("PUT", arm.registry("Plain001"), ["location": "eastus", "sku": ["name": "standard"],
                                                                                "properties": ["adminUserEnabled": true]], apiVersion: Self.version)
            #expect(created.status == 201)
            #expect(created.body?["properties"]?["loginServer"] == "plain001.cr.localhost:8443")
            #expect(created.body?["sku"] == ["name": "Standard", "tier": "Standard"])
            #expect(created.body?["properties"]?["encryption"] == ["status": "disabled"])
            let record = try #require(try await arm.provisioner.registry(named: "plain001"))
            #expect(record.adminUserEnabled)
            let credentials = try await arm.send("POST", "\(arm.registry("Plain001"))/listCredentials", apiVersion: Self.version).body!
            let passwords = credentials["passwords"]?.arrayValue?.compactMap { $0["value"]?.stringValue } ?? []
            #expect(credentials["username"] == "Plain001" && passwords.count == 2)
            let renewed = try await arm.send("POST", "\(arm.registry("Plain001"))/regenerateCredential", ["name": "password2"],
                                             apiVersion: Self.version).body!
            let after = renewed["passwords"]?.arrayValue?.compactMap { $0["value"]?.stringValue } ?? []
            #expect(after[0] == passwords[0] && after[1] != passwords[1])

            try await arm.send("PATCH", arm.registry("plain001"), ["properties": ["adminUserEnabled": false]], apiVersion: Self.version)
            #expect(try await arm.provisioner.registry(named: "plain001")?.adminUserEnabled == false)
            let disabled = try await arm.error("POST", "\(arm.registry("Plain001"))/listCredentials", apiVersion: Self.version)
            #expect(disabled?.code == "AdminUserDisabled")

            let check = try await arm.send("POST", "\(arm.sub)/providers/Microsoft.ContainerRegistry/checkNameAvailability",
                                           ["name": "plain001", "type": "Microsoft.ContainerRegistry/registries"], apiVersion: Self.version).body!
            #expect(check["nameAvailable"] == false && check["reason"] == "AlreadyExists")
            let taken = try await arm.error("PUT", arm.registry("PLAIN001"), ["location": "eastus", "sku": ["name": "Basic"]],
                                            apiVersion: Self.version)
            #expect(taken == nil, "the same id (any case) is a replace, not a conflict")

            _ = try await arm.blobs.store.put(BlobPath("registries", record.id, "marker"), body: ByteStream(buffers: [ByteBuffer(string: "x")]))
            #expect(try await arm.send("DELETE", arm.registry("plain001"), apiVersion: Self.version).status == 200)
            #expect(try await arm.provisioner.registry(named: "plain001") == nil)
            #expect(try await arm.blobs.store.list(prefix: BlobPath("registries", record.id)).isEmpty)
            #expect(try await arm.error("PUT", arm.registry("abc"), ["location": "eastus", "sku": ["name": "Basic"]],
                                        apiVersion: Self.version)?.code == "InvalidResourceName")
        }
    }

    @Test func cmkNeedsPremiumAnAssignedIdentityAndAProtectedVault() async throws {
        try await Self.withCMKSetup { arm, identity in
            let basic = try await arm.error("PUT", arm.registry("cmkbasic1"), arm.cmkRegistry(sku: "Basic", identity: identity, key: arm.key("kvprot1")),
                                            apiVersion: Self.version)
            #expect(basic?.code == "CmkRequiresPremiumSku" && basic?.status == 400)
            let open = try await arm.error("PUT", arm.registry("cmkopen1"), arm.cmkRegistry(identity: identity, key: arm.key("kvopen1")),
                                           apiVersion: Self.version)
            #expect(open?.code == "KeyVaultPurgeProtectionRequired")
            let missing = try await arm.error("PUT", arm.registry("cmkmiss1"), arm.cmkRegistry(identity: identity, key: arm.key("kvnowhere1")),
                                              apiVersion: Self.version)
            #expect(missing?.code == "KeyVaultNotFound")
            let notAKey = try await arm.error("PUT", arm.registry("cmkfor1"), arm.cmkRegistry(identity: identity, key: "kv.example.com/k"),
                                              apiVersion: Self.version)
            #expect(notAKey?.code == "InvalidKeyIdentifier")
            let missingKey = try await arm.error("PUT", arm.registry("cmknokey1"), arm.cmkRegistry(identity: identity, key: arm.key("kvprot1", "absent")),
                                                 apiVersion: Self.version)
            #expect(missingKey?.code == "CustomerKeyNotUsable" && missingKey?.message.contains("keys/absent") == true && missingKey?.message.contains("get permission") == true)
            #expect(try await arm.provisioner.registry(named: "cmknokey1") == nil)
            var unassigned = arm.cmkRegistry(identity: identity, key: arm.key("kvprot1"))
            unassigned["properties"]?["encryption"]?["keyVaultProperties"]?["identity"] = .string(UUID().uuidString)
            let wrongIdentity = try await arm.error("PUT", arm.registry("cmkwrong1"), unassigned, apiVersion: Self.version)
            #expect(wrongIdentity?.code == "InvalidEncryptionIdentity")
            #expect(try await arm.provisioner.registry(named: "cmkbasic1") == nil, "a refused create leaves nothing behind")

            let realKey = try await arm.makeKey("kvprot1", for: identity)
            let created = try await arm.send("PUT", arm.registry("cmkgood1"), arm.cmkRegistry(identity: identity, key: realKey),
                                             apiVersion: Self.version).body!
            let properties = try #require(created["properties"]?["encryption"]?["keyVaultProperties"])
            #expect(created["properties"]?["encryption"]?["status"] == "enabled")
            #expect(properties["identity"] == identity["properties"]?["clientId"])
            #expect(properties["versionedKeyIdentifier"]?.stringValue == realKey)
            #expect(properties["keyRotationEnabled"] == false && properties["keyAccessible"] == true)
            #expect(created["identity"]?["userAssignedIdentities"]?[identity["id"]!.stringValue!]?["principalId"]
                    == identity["properties"]?["principalId"])
        }
    }

    @Test func encryptionIsChosenAtCreationOnlyButTheKeyCanRotate() async throws {
        try await Self.withCMKSetup { arm, identity in
            try await arm.send("PUT", arm.registry("cmkrot1"), arm.cmkRegistry(identity: identity, key: try await arm.makeKey("kvprot1", for: identity)),
                               apiVersion: Self.version)
            try await arm.send("PUT", arm.registry("plainprem1"), ["location": "eastus", "sku": ["name": "Premium"]], apiVersion: Self.version)

            let enable = try await arm.error("PATCH", arm.registry("plainprem1"), ["properties": ["encryption": [
                "status": "enabled", "keyVaultProperties": ["keyIdentifier": .string(arm.key("kvprot1"))]]]], apiVersion: Self.version)
            #expect(enable?.code == "EncryptionCannotBeChanged" && enable?.message.contains("only be enabled when the registry is created") == true)
            let disable = try await arm.error("PATCH", arm.registry("cmkrot1"), ["properties": ["encryption": ["status": "disabled"]]],
                                              apiVersion: Self.version)
            #expect(disable?.code == "EncryptionCannotBeChanged" && disable?.message.contains("cannot be disabled") == true)
            let removed = try await arm.error("PUT", arm.registry("cmkrot1"), ["location": "eastus", "sku": ["name": "Premium"]],
                                              apiVersion: Self.version)
            #expect(removed?.code == "EncryptionCannotBeChanged", "a PUT without encryption would remove it")
            let downgraded = try await arm.error("PATCH", arm.registry("cmkrot1"), ["sku": ["name": "Standard"]], apiVersion: Self.version)
            #expect(downgraded?.code == "CmkRequiresPremiumSku")
            let trust = try await arm.error("PATCH", arm.registry("cmkrot1"), ["properties": ["policies": ["trustPolicy": ["status": "enabled"]]]],
                                            apiVersion: Self.version)
            #expect(trust?.code == "TrustPolicyNotSupportedWithCmk")
            #expect(try await arm.error("PATCH", arm.registry("plainprem1"), ["properties": ["policies": ["trustPolicy": ["status": "enabled"]]]],
                                        apiVersion: Self.version) == nil, "content trust stays available without a customer-managed key")

            // Rotation, as `az acr encryption rotate-key --identity <principalId>` sends it.
            let versionless = try await arm.makeKey("kvprot1", "k2", for: identity, versioned: false)
            let rotated = try await arm.send("PATCH", arm.registry("cmkrot1"), ["properties": ["encryption": [
                "status": "enabled", "keyVaultProperties": ["keyIdentifier": .string(versionless),
                                                            "identity": identity["properties"]!["principalId"]!]]]], apiVersion: Self.version).body!
            let key = try #require(rotated["properties"]?["encryption"]?["keyVaultProperties"])
            #expect(key["keyIdentifier"]?.stringValue == versionless && key["keyRotationEnabled"] == true)
            #expect(key["identity"] == identity["properties"]?["clientId"], "the principal id is stored as the client id")
            #expect(key["lastKeyRotationTimestamp"]?.stringValue != nil)
        }
    }

    @Test func aSystemAssignedIdentityIsADirectoryPrincipalForTheRegistrysLifetime() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let created = try await arm.send("PUT", arm.registry("sysreg01"), ["location": "eastus", "sku": ["name": "Premium"],
                                                                                "identity": ["type": "SystemAssigned"]], apiVersion: Self.version).body!
            let principal = try #require(created["identity"]?["principalId"]?.stringValue)
            #expect(try await arm.directory.principal(objectID: principal)?.kind == .managedIdentity)
            let again = try await arm.send("PATCH", arm.registry("sysreg01"), ["tags": ["a": "b"]], apiVersion: Self.version).body!
            #expect(again["identity"]?["principalId"]?.stringValue == principal)
            try await arm.send("DELETE", arm.registry("sysreg01"), apiVersion: Self.version)
            #expect(try await arm.directory.principal(objectID: principal) == nil)
        }
    }
}
