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
        #expect(await Self.evaluator().evaluateKnown(body) == evaluated, "a preflight sees the loop's array too")
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

    /// Loops that multiply shared values cannot run the server out of memory: variables are
    /// evaluated once, and a value too large to write is refused before it is written.
    @Test func multiplyingLoopsAreStoppedBeforeTheyBuildHugeValues() async {
        let evaluator = TemplateEvaluator(parameters: [:], variables: [
            "copy": [["name": "v1", "count": 800, "input": .string(String(repeating: "x", count: 100))],
                     ["name": "v2", "count": 800, "input": "[variables('v1')]"],
                     ["name": "v3", "count": 800, "input": "[variables('v2')]"]],
        ], context: Self.context)
        do {
            _ = try await evaluator.evaluate(.string("[length(string(variables('v3')))]"))
            Issue.record("a 5 GB string was written")
        } catch {
            #expect(error.message.contains("would take more than 1048576 bytes"), "\(error.message)")
        }
        let replaced = Self.evaluator(variables: ["big": .string(String(repeating: "x", count: 1 << 19))])
        do {
            _ = try await replaced.evaluate(.string("[replace(variables('big'), 'x', variables('big'))]"))
            Issue.record("a 256 GiB string was built")
        } catch {
            #expect(error.message.contains("'replace' would make a string of more than"), "\(error.message)")
        }
    }

    /// Nested loops run out of steps (each iteration is one), however cheap their input.
    @Test func nestedLoopsSpendTheBudget() async {
        let nested: JSONValue = ["copy": [["name": "a", "count": 800, "input": ["copy": [["name": "b", "count": 800, "input": 1]]]]]]
        do {
            _ = try await Self.evaluator().evaluate(nested)
            Issue.record("640,000 iterations ran")
        } catch {
            #expect(error.message.contains("more than 200000 steps"), "\(error.message)")
        }
    }

    @Test func aCanceledEvaluationStops() async {
        let evaluator = Self.evaluator()
        let task = Task { try await evaluator.evaluate(.string("[concat('a', 'b')]")) }
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("evaluated after the cancel")
        } catch {
            #expect((error as? TemplateError)?.message == "The deployment was canceled.")
        }
    }
}
