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
            try await arm.makeVault("kv1", protected: true)
            let key = try await arm.makeKey("kv1", for: try await arm.makeIdentity("other"))
            let resources: JSONValue = [
                ["type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30", "name": "waiter", "location": "eastus"],
                ["type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2019-12-01-preview", "name": "waitingreg1", "location": "eastus",
                 "sku": ["name": "Premium"], "dependsOn": ["waiter"],
                 "identity": ["type": "UserAssigned", "userAssignedIdentities": [
                     "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'waiter')]": [:]]],
                 "properties": ["encryption": ["status": "enabled", "keyVaultProperties": [
                     "keyIdentifier": .string(key),
                     "identity": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'waiter'), '2018-11-30').clientId]"]]]],
            ]
            let path = Self.deployment(arm, "waiting")
            #expect(try await arm.send("PUT", path, Self.body(resources), apiVersion: Self.version).status == 201)
            #expect(try await arm.send("POST", "\(path)/cancel", apiVersion: Self.version).status == 204)
            let shown = try await arm.send("GET", path, apiVersion: Self.version).body!
            #expect(shown["properties"]?["provisioningState"] == "Canceled", "\(shown.text)")
            #expect(try await arm.error("POST", "\(path)/cancel", apiVersion: Self.version)?.code == "DeploymentCannotBeCancelled")
        }
    }
}
