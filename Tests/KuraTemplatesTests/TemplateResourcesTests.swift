import Foundation
import KuraAPI
import KuraTemplates
import Testing

/// A template's resources expanded into steps and ordered into waves: the seed's template (read
/// from the seed itself), nested children, copy loops, conditions, dependsOn forms, cycles.
@Suite struct TemplateResourcesTests {
    static let context = TemplateContext(subscriptionID: "sub1", tenantID: "tenant1", resourceGroup: "rg1", location: "eastus") { id, _, _ throws(TemplateError) in
        ["clientId": "client-1", "principalId": "principal-1", "id": .string(id)]
    }

    /// The seed's `CMKtemplate.json`: the JSON block of its template section.
    static func seedTemplate() throws -> [UInt8] {
        let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/seed")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: seed.path).first { $0.hasSuffix(".txt") })
        let text = try String(contentsOf: seed.appendingPathComponent(file), encoding: .utf8)
        let section = try #require(text.range(of: "enable-customer-managed-key---template"))
        let start = try #require(text.range(of: "```JSON\n", range: section.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        return Array(text[start.upperBound..<end.lowerBound].utf8)
    }

    static func steps(_ template: JSONValue, parameters: JSONObject = [:]) async throws -> [TemplateStep] {
        let evaluator = TemplateEvaluator(parameters: parameters, variables: template["variables"]?.objectValue ?? [:], context: context)
        return try await TemplateResources.steps(of: template, evaluator: evaluator)
    }

    @Test func theSeedsTemplateOrdersTheIdentityFirst() async throws {
        let template = try TemplateText.parse(try Self.seedTemplate())
        let resolved = try await TemplateParameters.resolve(declared: template["parameters"], given: [
            "vault_name": ["value": "kv1"], "registry_name": ["value": "reg1"], "identity_name": ["value": "id1"],
            "kek_id": ["value": "https://kv1.vault.localhost:8443/keys/k/0123"],
        ], context: Self.context)
        let evaluator = TemplateEvaluator(parameters: resolved.values, variables: [:], context: Self.context)
        let waves = try TemplateResources.waves(try await TemplateResources.steps(of: template, evaluator: evaluator))
        #expect(waves.map { $0.map(\.type) } == [["Microsoft.ManagedIdentity/userAssignedIdentities"],
                                                   ["Microsoft.ContainerRegistry/registries", "Microsoft.KeyVault/vaults/accessPolicies"]])
        let policy = try #require(waves[1].first { $0.type.hasSuffix("accessPolicies") })
        #expect(policy.id == "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv1/accessPolicies/add")
        let registry = try #require(waves[1].first { $0.type.hasSuffix("registries") })
        let body = try await registry.body(evaluator)
        #expect(body["properties"]?["encryption"]?["keyVaultProperties"]?["identity"] == "client-1")
        #expect(body["properties"]?["encryption"]?["keyVaultProperties"]?["KeyIdentifier"] == "https://kv1.vault.localhost:8443/keys/k/0123")
        #expect(body["identity"]?["userAssignedIdentities"]?.objectValue?.keys
                == ["/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"])
        #expect(body["location"] == "eastus" && body["dependsOn"] == nil && body["apiVersion"] == nil)
    }

    @Test func nestedChildrenCopyLoopsAndConditionsExpand() async throws {
        let template: JSONValue = ["resources": [
            ["type": "Microsoft.KeyVault/vaults", "name": "kv1", "resources": [
                ["type": "accessPolicies", "name": "add", "properties": [:]],
            ]],
            ["type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "[concat('id', copyIndex(1))]",
             "copy": ["name": "ids", "count": 3], "condition": "[not(equals(copyIndex(), 1))]"],
            ["type": "Microsoft.ContainerRegistry/registries", "name": "reg1", "dependsOn": ["ids", "kv1"]],
        ]]
        let waves = try TemplateResources.waves(try await Self.steps(template))
        #expect(waves.map { $0.map(\.name) } == [["kv1", "id1", "id3"], ["kv1/add", "reg1"]])
        #expect(waves[1].first { $0.name == "reg1" }?.dependsOn.count == 3, "a copy loop's name stands for all its iterations")
    }

    /// As ARM: a dependency on a resource a false condition or a zero-count loop leaves out is ignored.
    @Test func dependenciesOnResourcesLeftOutAreIgnored() async throws {
        let template: JSONValue = ["resources": [
            ["type": "A.B/c", "name": "skipped", "condition": false],
            ["type": "A.B/c", "name": "[concat('none', copyIndex())]", "copy": ["name": "nothing", "count": 0]],
            ["type": "A.B/c", "name": "kept", "dependsOn": ["skipped", "nothing", "[resourceId('A.B/c', 'skipped')]"]],
        ]]
        let waves = try TemplateResources.waves(try await Self.steps(template))
        #expect(waves.map { $0.map(\.name) } == [["kept"]] && waves[0][0].dependsOn.isEmpty)
    }

    @Test func cyclesAndUnknownDependenciesAreNamed() async throws {
        let cycle: JSONValue = ["resources": [
            ["type": "A.B/c", "name": "one", "dependsOn": ["[resourceId('A.B/c', 'two')]"]],
            ["type": "A.B/c", "name": "two", "dependsOn": ["A.B/c/one"]],
            ["type": "A.B/c", "name": "free"],
        ]]
        let steps = try await Self.steps(cycle)
        let error = #expect(throws: TemplateError.self) { try TemplateResources.waves(steps) }
        let message = error?.message ?? ""
        #expect(message.contains("Circular dependency detected on resource") && message.contains("/c/one") && message.contains("/c/two")
                && !message.contains("free"))
        let unknown: JSONValue = ["resources": [["type": "A.B/c", "name": "one", "dependsOn": ["nowhere"]]]]
        await #expect(throws: TemplateError.invalid("The resource 'nowhere' that 'one' depends on is not defined in the template.")) {
            try await Self.steps(unknown)
        }
        for (refused, expected) in [
            (JSONValue.array([["type": "Microsoft.Resources/deployments", "name": "inner"]]), "Nested deployments"),
            (JSONValue.array([["type": "Microsoft.Authorization/roleAssignments", "name": "r", "scope": "x"]]), "'scope'"),
            (JSONValue.array([["type": "A.B/c", "name": "same"], ["type": "A.B/c", "name": "SAME"]]), "defined more than once"),
            (JSONValue.array([["type": "A.B/c", "name": "[string(copyIndex())]", "copy": ["name": "l", "count": 500]],
                              ["type": "A.B/d", "name": "[string(copyIndex())]", "copy": ["name": "m", "count": 500]]]), "more than 800 resources"),
        ] as [(JSONValue, String)] {
            let error = await #expect(throws: TemplateError.self) { try await Self.steps(["resources": refused]) }
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        }
        let badCount: JSONValue = ["resources": [["type": "A.B/c", "name": "x", "copy": ["name": "l", "count": "three"]]]]
        await #expect(throws: TemplateError.self) { try await Self.steps(badCount) }
    }
}
