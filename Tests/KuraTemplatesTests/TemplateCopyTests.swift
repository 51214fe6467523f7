import KuraAPI
import KuraTemplates
import Testing

/// `copy` below resources — property iteration, variable and output loops — and serial resource
/// loops, each with its errors.
@Suite struct TemplateCopyTests {
    static let context = TemplateContext(subscriptionID: "sub1", tenantID: "tenant1", resourceGroup: "rg1", location: "eastus") { id, _, _ throws(TemplateError) in
        throw .invalid("no resource '\(id)' here")
    }

    static func evaluator(variables: JSONObject = [:]) -> TemplateEvaluator {
        TemplateEvaluator(parameters: ["ips": ["10.0.0.1", "10.0.0.2", "10.0.0.3"]], variables: variables, context: context)
    }

    @Test func aPropertyCopyMakesItsArrayAndLeavesTheOtherMembers() async throws {
        let body: JSONValue = ["properties": ["networkRuleSet": [
            "defaultAction": "Deny",
            "copy": [["name": "ipRules", "count": "[length(parameters('ips'))]",
                      "input": ["action": "Allow", "value": "[parameters('ips')[copyIndex('ipRules')]]", "n": "[copyIndex('ipRules', 1)]"]]],
        ]]]
        let evaluated = try await Self.evaluator().evaluate(body)
        #expect(evaluated == ["properties": ["networkRuleSet": ["defaultAction": "Deny", "ipRules": [
            ["action": "Allow", "value": "10.0.0.1", "n": 1], ["action": "Allow", "value": "10.0.0.2", "n": 2],
            ["action": "Allow", "value": "10.0.0.3", "n": 3]]]]])
        #expect(try await Self.evaluator().evaluateKnown(body) == evaluated, "a preflight sees the loop's array too")
    }

    @Test func insideAResourceLoopAnUnnamedCopyIndexIsTheResources() async throws {
        var evaluator = Self.evaluator()
        evaluator.copyIndices = [(loop: "registries", index: 4)]
        let value = try await evaluator.evaluate(["copy": [["name": "inner", "count": 2, "input": "[concat(string(copyIndex()), '-', string(copyIndex('inner')))]"]]])
        #expect(value == ["inner": ["4-0", "4-1"]])
    }

    @Test func variableAndOutputLoops() async throws {
        let evaluator = Self.evaluator(variables: [
            "copy": [["name": "disks", "count": 3, "input": ["lun": "[copyIndex('disks')]"]]], "plain": "[length(variables('disks'))]"])
        #expect(try await evaluator.evaluate(.string("[variables('disks')]")) == [["lun": 0], ["lun": 1], ["lun": 2]])
        #expect(try await evaluator.evaluate(.string("[variables('plain')]")) == 3)
        #expect(try await evaluator.output(["type": "array", "copy": ["count": 2, "input": "[concat('id', string(copyIndex()))]"]]) == ["id0", "id1"])
        #expect(try await evaluator.output(["type": "int", "value": "[length(variables('disks'))]"]) == 3)
    }

    static let loopErrors: [(JSONValue, String)] = [
        (["copy": [["name": "x", "count": 801, "input": 1]]], "count 801 is outside 0…800"),
        (["copy": [["name": "x", "count": "three", "input": 1]]], "needs an integer 'count'"),
        (["copy": [["name": "x", "count": 1]]], "needs a 'name', a 'count' and an 'input'"),
        (["copy": [["count": 1, "input": 1]]], "needs a 'name', a 'count' and an 'input'"),
        (["v": "[copyIndex('nope')]"], "inside a 'copy' loop named 'nope'"),
    ]

    @Test(arguments: loopErrors)
    func loopErrorsNameTheProblem(_ value: JSONValue, _ expected: String) async {
        do {
            _ = try await Self.evaluator().evaluate(value)
            Issue.record("\(value.text) was evaluated")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    static func resources(mode: JSONValue?, batchSize: JSONValue? = nil, count: Int64 = 5) -> JSONValue {
        var copy: JSONValue = ["name": "ids", "count": .integer(count)]
        if let mode { copy["mode"] = mode }
        if let batchSize { copy["batchSize"] = batchSize }
        return ["resources": [["type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "[concat('id', copyIndex())]", "copy": copy]]]
    }

    static func waves(_ template: JSONValue) async throws -> [[String]] {
        try TemplateResources.waves(try await TemplateResources.steps(of: template, evaluator: evaluator())).map { $0.map(\.name) }
    }

    @Test func aSerialLoopRunsBatchAfterBatch() async throws {
        #expect(try await Self.waves(Self.resources(mode: "Serial", batchSize: 2)) == [["id0", "id1"], ["id2", "id3"], ["id4"]])
        #expect(try await Self.waves(Self.resources(mode: "serial")) == [["id0"], ["id1"], ["id2"], ["id3"], ["id4"]])
        #expect(try await Self.waves(Self.resources(mode: "parallel")) == [["id0", "id1", "id2", "id3", "id4"]])
        #expect(try await Self.waves(Self.resources(mode: nil)) == [["id0", "id1", "id2", "id3", "id4"]])
    }

    static let serialErrors: [(JSONValue, String)] = [
        (resources(mode: "sequential"), "must be 'serial' or 'parallel'"),
        (resources(mode: "serial", batchSize: 0), "'batchSize' must be an integer from 1 to 800"),
        (resources(mode: "serial", batchSize: "two"), "'batchSize' must be an integer from 1 to 800"),
    ]

    @Test(arguments: serialErrors)
    func serialLoopErrors(_ template: JSONValue, _ expected: String) async {
        do {
            _ = try await Self.waves(template)
            Issue.record("planned")
        } catch {
            #expect((error as? TemplateError)?.message.contains(expected) == true, "\(error)")
        }
    }
}
