import Foundation
import KuraAPI
import KuraCore
import KuraManagement
import KuraServer
import Testing

/// Template deployments through ManagementAPI on the in-memory stores: a run applies each
/// resource through the plain PUT and records it; secure parameters are never shown; a run the
/// server lost is marked Failed; invalid templates are refused before anything is written.
@Suite struct DeploymentServiceTests {
    static let version = "2025-04-01"

    static func deployment(_ arm: ManagementHarness, _ name: String) -> String {
        "\(arm.group("rg"))/providers/Microsoft.Resources/deployments/\(name)"
    }

    static func body(_ resources: JSONValue, parameters: JSONValue = [:], given: JSONValue = [:], mode: String = "Incremental",
                     outputs: JSONValue = [:]) -> JSONValue {
        ["properties": ["mode": .string(mode), "parameters": given,
                        "template": ["$schema": "x", "contentVersion": "1.0.0.0", "parameters": parameters, "resources": resources,
                                     "outputs": outputs]]]
    }

    static let identities: JSONValue = [
        ["type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30", "name": "[concat(parameters('prefix'), copyIndex())]",
         "location": "[resourceGroup().location]", "copy": ["name": "ids", "count": 2]],
    ]

    @Test func aDeploymentAppliesItsResourcesAndRecordsThem() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let path = Self.deployment(arm, "two")
            let body = Self.body(Self.identities, parameters: ["prefix": ["type": "string"], "secret": ["type": "securestring", "defaultValue": "hush"]],
                                 given: ["prefix": ["value": "dep"]],
                                 outputs: ["first": ["type": "string", "value": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'dep0'), '2018-11-30').clientId]"],
                                           "hidden": ["type": "securestring", "value": "[parameters('secret')]"]])
            let started = try await arm.send("PUT", path, body, apiVersion: Self.version)
            #expect(started.status == 201 && started.headers["Azure-AsyncOperation"]?.contains("/operationStatuses/") == true)
            #expect(started.headers["Retry-After"] == "1")
            await arm.api.deployments.finished(try #require(ResourceID(parsing: path)))
            let shown = try await arm.send("GET", path, apiVersion: Self.version).body!
            #expect(shown["properties"]?["provisioningState"] == "Succeeded", "\(shown.text)")
            #expect(shown["properties"]?["parameters"]?["secret"] == ["type": "SecureString"], "a secure parameter shows its type only")
            #expect(!shown.text.contains("hush"))
            #expect(shown["properties"]?["outputs"]?["hidden"] == ["type": "securestring"], "a secure output's value is not kept")
            let identity = try await arm.send("GET", arm.identity("dep1"), apiVersion: "2018-11-30").body!
            #expect(shown["properties"]?["outputs"]?["first"]?["value"] != nil && identity["properties"]?["clientId"] != nil)
            let operations = try await arm.send("GET", "\(path)/operations", apiVersion: Self.version).body!
            #expect(operations["value"]?.arrayValue?.map { $0["properties"]?["provisioningState"] } == ["Succeeded", "Succeeded"])
            let status = try await arm.send("GET", started.headers["Azure-AsyncOperation"]!.components(separatedBy: "?")[0]
                .replacingOccurrences(of: "https://localhost:8443", with: ""), apiVersion: Self.version).body!
            #expect(status["status"] == "Succeeded")
            let listed = try await arm.send("GET", "\(arm.group("rg"))/providers/Microsoft.Resources/deployments", apiVersion: Self.version).body!
            #expect(listed["value"]?.arrayValue?.count == 1)
            let resources = try await arm.send("GET", "\(arm.group("rg"))/resources").body!
            #expect(resources["value"]?.arrayValue?.allSatisfy { $0["type"] != "Microsoft.Resources/deployments" } == true)
        }
    }

    @Test func aFailedResourceFailsTheDeploymentWithItsError() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let path = Self.deployment(arm, "bad")
            let resources: JSONValue = [["type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30", "name": "x",
                                         "location": "eastus"]]
            try await arm.send("PUT", path, Self.body(resources), apiVersion: Self.version)
            await arm.api.deployments.finished(try #require(ResourceID(parsing: path)))
            let shown = try await arm.send("GET", path, apiVersion: Self.version).body!
            #expect(shown["properties"]?["provisioningState"] == "Failed")
            #expect(shown["properties"]?["error"]?["code"] == "DeploymentFailed")
            #expect(shown["properties"]?["error"]?["details"]?.arrayValue?.first?["code"] == "InvalidResourceName", "\(shown.text)")
        }
    }

    @Test(arguments: [
        (JSONValue.array([["type": "A.B/c", "name": "[nope()]"]]), "'nope' is not valid"),
        (JSONValue.array([["type": "A.B/c", "name": "n", "dependsOn": ["missing"]]]), "is not defined in the template"),
    ] as [(JSONValue, String)])
    func invalidTemplatesAreRefusedBeforeAnythingIsWritten(_ resources: JSONValue, _ expected: String) async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let path = Self.deployment(arm, "invalid")
            for action in ["", "/validate"] {
                let error = try await arm.error(action.isEmpty ? "PUT" : "POST", path + action, Self.body(resources), apiVersion: Self.version)
                #expect(error?.code == "InvalidTemplate" && error?.status == 400 && error?.message.contains(expected) == true, "\(String(describing: error))")
            }
            let missing = try await arm.error("PUT", path, Self.body(Self.identities, parameters: ["prefix": ["type": "string"]]), apiVersion: Self.version)
            #expect(missing?.message.contains("The value for the template parameter 'prefix' is not provided") == true)
            #expect(try await arm.error("GET", path, apiVersion: Self.version)?.code == "DeploymentNotFound")
        }
    }

    @Test func aDeploymentTheServerLostIsMarkedFailedAtStartUp() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let id = try #require(ResourceID(parsing: Self.deployment(arm, "lost")))
            let record = ResourceRecord(id: id, document: ["id": .string(id.description), "name": "lost", "type": "Microsoft.Resources/deployments",
                                                           "properties": ["provisioningState": "Running", "mode": "Incremental", "timestamp": "t",
                                                                          "duration": "PT0S", "correlationId": "c", "outputResources": []]],
                                        createdAt: 1, updatedAt: 1)
            #expect(try await arm.planes.stores.management.insertResource(record))
            try await arm.api.deployments.failInterrupted()
            let shown = try await arm.send("GET", id.description, apiVersion: Self.version).body!
            #expect(shown["properties"]?["provisioningState"] == "Failed")
            #expect(shown["properties"]?["error"]?["details"]?.arrayValue?.first?["code"] == "DeploymentInterrupted")
        }
    }

    @Test func completeModeRemovesWhatTheTemplateDoesNotName() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeIdentity("stray")
            let path = Self.deployment(arm, "complete")
            try await arm.send("PUT", path, Self.body(Self.identities, parameters: ["prefix": ["type": "string", "defaultValue": "kept"]], mode: "Complete"),
                               apiVersion: Self.version)
            await arm.api.deployments.finished(try #require(ResourceID(parsing: path)))
            #expect(try await arm.error("GET", arm.identity("stray"), apiVersion: "2018-11-30")?.code == "ResourceNotFound")
            #expect(try await arm.send("GET", arm.identity("kept1"), apiVersion: "2018-11-30").status == 200)
            let whatIf = try await arm.send("POST", "\(path)/whatIf", Self.body(Self.identities, parameters: ["prefix": ["type": "string", "defaultValue": "kept"]]),
                                            apiVersion: Self.version).body!
            #expect(whatIf["properties"]?["changes"]?.arrayValue?.map { $0["changeType"] } == ["Modify", "Modify"])
        }
    }

    @Test func validateRefusesWhatTheRegistryPutWouldBeforeAnythingIsWritten() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let registry: JSONValue = [["type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2019-12-01-preview", "name": "basiccmk1",
                                        "location": "eastus", "sku": ["name": "Basic"],
                                        "properties": ["encryption": ["status": "enabled", "keyVaultProperties": [
                                            "KeyIdentifier": .string(arm.key("kv1")),
                                            "identity": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'later'), '2018-11-30').clientId]",
                                        ]]]]]
            for (method, suffix) in [("POST", "/validate"), ("POST", "/whatIf"), ("PUT", "")] {
                let error = try await arm.error(method, Self.deployment(arm, "basic") + suffix, Self.body(registry), apiVersion: Self.version)
                #expect(error?.code == "CmkRequiresPremiumSku" && error?.status == 400, "\(suffix): \(String(describing: error))")
            }
            #expect(try await arm.error("GET", Self.deployment(arm, "basic"), apiVersion: Self.version)?.code == "DeploymentNotFound")
        }
    }

    /// A registry waits for a key its identity may not use (no access policy); cancel stops the run,
    /// and the deployment says Canceled — not Running.
    @Test func aCanceledRunSaysCanceled() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let path = try await Self.waitingDeployment(arm, "waiting")
            #expect(try await arm.send("POST", "\(path)/cancel", apiVersion: Self.version).status == 204)
            let shown = try await arm.send("GET", path, apiVersion: Self.version).body!
            #expect(shown["properties"]?["provisioningState"] == "Canceled", "\(shown.text)")
            #expect(try await arm.error("POST", "\(path)/cancel", apiVersion: Self.version)?.code == "DeploymentCannotBeCancelled")
        }
    }

    /// A deployment `name` whose registry waits for a key (of vault `kv1`, made when absent) its
    /// identity may not use: it runs until canceled (or for a minute).
    static func waitingDeployment(_ arm: ManagementHarness, _ name: String, registry: String = "waitingreg1", key given: String? = nil) async throws -> String {
        if try await arm.planes.keyVaults.vault(named: "kv1") == nil { try await arm.makeVault("kv1", protected: true) }
        let key = if let given { given } else { try await arm.makeKey("kv1", for: try await arm.makeIdentity("other")) }
        let identity = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '\(registry)id')]"
        let resources: JSONValue = [
            ["type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30", "name": .string("\(registry)id"), "location": "eastus"],
            ["type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2019-12-01-preview", "name": .string(registry), "location": "eastus",
             "sku": ["name": "Premium"], "dependsOn": [.string(identity)],
             "identity": ["type": "UserAssigned", "userAssignedIdentities": [.init(stringLiteral: identity): [:]]],
             "properties": ["encryption": ["status": "enabled", "keyVaultProperties": [
                 "keyIdentifier": .string(key), "identity": .string("[reference(\(identity.dropFirst().dropLast()), '2018-11-30').clientId]")]]]],
        ]
        let path = Self.deployment(arm, name)
        #expect(try await arm.send("PUT", path, Self.body(resources), apiVersion: Self.version).status == 201)
        return path
    }

    @Test func deploymentNamesFollowARMsRule() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let long = try await arm.error("PUT", Self.deployment(arm, String(repeating: "d", count: 65)), Self.body([]), apiVersion: Self.version)
            #expect(long?.code == "InvalidDeployment" && long?.message.contains("has a length of '65' which exceeds the maximum length of '64'") == true)
            for name in ["a%20b", "semi;colon", "quote'"] {
                #expect(try await arm.error("POST", Self.deployment(arm, name) + "/validate", Self.body([]), apiVersion: Self.version)?.code
                        == "InvalidDeployment", "\(name)")
            }
            let fine = Self.deployment(arm, "Seed_(1).v-2")
            #expect(try await arm.send("PUT", fine, Self.body([]), apiVersion: Self.version).status == 201)
            await arm.api.deployments.finished(try #require(ResourceID(parsing: fine)))
        }
    }

    /// A group keeps 800 deployments: the 801st deletes the oldest, as ARM prunes its history.
    @Test func aGroupKeepsTheNewest800Deployments() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            // 799 finished deployments as a long history leaves them (written directly: 799 runs would only be slow)…
            for index in 0..<799 {
                let id = try #require(ResourceID(parsing: Self.deployment(arm, "d\(index)")))
                let inserted = try await arm.planes.stores.management.insertResource(ResourceRecord(
                    id: id, document: ["id": .string(id.description), "name": .string(id.name), "type": "Microsoft.Resources/deployments",
                                       "properties": ["provisioningState": "Succeeded"]],
                    createdAt: Int64(index), updatedAt: Int64(index)))
                #expect(inserted)
            }
            // …then two deployments run: the second is the 801st.
            arm.clock.advance(by: .seconds(3600))
            for index in 799...800 {
                let path = Self.deployment(arm, "d\(index)")
                try await arm.send("PUT", path, Self.body([]), apiVersion: Self.version)
                await arm.api.deployments.finished(try #require(ResourceID(parsing: path)))
                arm.clock.advance(by: .milliseconds(1))
            }
            let listed = try await arm.planes.stores.management.resources(type: "Microsoft.Resources/deployments", subscription: ManagementHarness.subscription,
                                                                         resourceGroup: "rg")
            #expect(listed.count == 800)
            #expect(try await arm.error("GET", Self.deployment(arm, "d0"), apiVersion: Self.version)?.code == "DeploymentNotFound")
            #expect(Set(listed.map(\.id.name)) == Set((1...800).map { "d\($0)" }), "the oldest, d0, is the one deleted")
        }
    }

    /// At most 64 deployments run at once; the next is told to wait (429), and is taken once one ends.
    @Test func atMost64DeploymentsRunAtOnce() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeVault("kv1", protected: true)
            // One key for all (made once: the 64 runs start within a second of each other, well inside their minute of waiting).
            let key = try await arm.makeKey("kv1", for: try await arm.makeIdentity("other"))
            var paths: [String] = []
            for index in 0..<64 { paths.append(try await Self.waitingDeployment(arm, "w\(index)", registry: "waitreg\(index)", key: key)) }
            let refused = try await arm.error("PUT", Self.deployment(arm, "onemore"), Self.body([]), apiVersion: Self.version)
            #expect(refused?.status == 429 && refused?.code == "TooManyDeployments")
            #expect(try await arm.send("POST", "\(paths[0])/cancel", apiVersion: Self.version).status == 204)
            #expect(try await arm.send("PUT", Self.deployment(arm, "onemore"), Self.body([]), apiVersion: Self.version).status == 201)
            for path in paths.dropFirst() { try await arm.send("POST", "\(path)/cancel", apiVersion: Self.version) }
        }
    }

    /// Deleting a group stops its running deployments first: nothing they would still write
    /// appears in the group made again under the same name.
    @Test func deletingTheGroupStopsItsRunningDeployments() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let path = try await Self.waitingDeployment(arm, "doomed")
            #expect(try await arm.send("DELETE", arm.group("rg"), apiVersion: Self.version).status == 200)
            await arm.api.deployments.finished(try #require(ResourceID(parsing: path)))
            try await arm.makeGroup()
            #expect(try await arm.error("GET", path, apiVersion: Self.version)?.code == "DeploymentNotFound")
            let left = try await arm.send("GET", "\(arm.group("rg"))/resources").body!
            #expect(left["value"]?.arrayValue == [], "\(left.text)")
        }
    }

    /// A template makes a vault's key (`Microsoft.KeyVault/vaults/keys`) and a registry encrypted
    /// with it, reading the key's id with `reference()`; what-if then finds the key unchanged.
    @Test func aTemplateMakesAVaultKeyAndARegistryEncryptedWithIt() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let keyID = "[resourceId('Microsoft.KeyVault/vaults/keys', 'tplvault1', 'cmk')]"
            let identity = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'regid')]"
            let resources: JSONValue = [
                ["type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30", "name": "regid", "location": "eastus"],
                ["type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "tplvault1", "location": "eastus",
                 "properties": ["tenantId": "[subscription().tenantId]", "sku": ["family": "A", "name": "standard"], "enablePurgeProtection": true,
                                "accessPolicies": [["tenantId": "[subscription().tenantId]",
                                                    "objectId": .string("[reference(\(identity.dropFirst().dropLast())).principalId]"),
                                                    "permissions": ["keys": ["get", "wrapKey", "unwrapKey"]]]]],
                 "dependsOn": [.string(identity)]],
                ["type": "Microsoft.KeyVault/vaults/keys", "apiVersion": "2023-07-01", "name": "tplvault1/cmk",
                 "properties": ["kty": "RSA", "keySize": 2048], "dependsOn": ["tplvault1"]],
                ["type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2019-12-01-preview", "name": "tplreg1", "location": "eastus",
                 "sku": ["name": "Premium"], "dependsOn": [.string(keyID)],
                 "identity": ["type": "UserAssigned", "userAssignedIdentities": [.init(stringLiteral: identity): [:]]],
                 "properties": ["encryption": ["status": "enabled", "keyVaultProperties": [
                     "keyIdentifier": .string("[reference(\(keyID.dropFirst().dropLast())).keyUri]"),
                     "identity": .string("[reference(\(identity.dropFirst().dropLast())).clientId]")]]]],
            ]
            let path = Self.deployment(arm, "withkey")
            let outputs: JSONValue = ["keyUri": ["type": "string", "value": .string("[reference(\(keyID.dropFirst().dropLast())).keyUriWithVersion]")]]
            #expect(try await arm.send("PUT", path, Self.body(resources, outputs: outputs), apiVersion: Self.version).status == 201)
            await arm.api.deployments.finished(try #require(ResourceID(parsing: path)))
            let shown = try await arm.send("GET", path, apiVersion: Self.version).body!
            #expect(shown["properties"]?["provisioningState"] == "Succeeded", "\(shown.text)")
            let registry = try await arm.send("GET", arm.registry("tplreg1"), apiVersion: "2025-04-01").body!
            #expect(registry["properties"]?["encryption"]?["keyVaultProperties"]?["keyIdentifier"]?.stringValue
                    == "https://tplvault1.vault.localhost:8443/keys/cmk")
            let output = try #require(shown["properties"]?["outputs"]?["keyUri"]?["value"]?.stringValue)
            #expect(output.hasPrefix("https://tplvault1.vault.localhost:8443/keys/cmk/"))

            // validate checks a key resource as its PUT would: a wrong key size is refused before anything runs.
            var badKey = resources
            if case .array(var items) = badKey {
                items[2]["properties"]?["keySize"] = "4096"
                badKey = .array(items)
            }
            let refused = try await arm.error("POST", "\(path)/validate", Self.body(badKey), apiVersion: Self.version)
            #expect(refused?.code == "BadParameter" && refused?.message.contains("'key_size' must be an integer") == true, "\(String(describing: refused))")
            let whatIf = try await arm.send("POST", "\(path)/whatIf", Self.body(resources), apiVersion: Self.version).body!
            let changes = whatIf["properties"]?["changes"]?.arrayValue ?? []
            #expect(changes.first { $0["resourceId"]?.stringValue?.hasSuffix("/keys/cmk") == true }?["changeType"] == "NoChange", "\(whatIf.text)")
            #expect(changes.filter { $0["changeType"] == "Modify" }.count == 3)
        }
    }
}
