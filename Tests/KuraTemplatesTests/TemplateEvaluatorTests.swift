import KuraAPI
import KuraTemplates
import Testing

/// The template expression language and every function kura evaluates: each with a success and
/// an error case.
@Suite struct TemplateEvaluatorTests {
    static let identity = "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"

    static let context = TemplateContext(subscriptionID: "sub1", tenantID: "tenant1", resourceGroup: "rg1", location: "eastus") { id, _, full throws(TemplateError) in
        guard id.lowercased() == identity.lowercased() else { throw .invalid("The resource '\(id)' is not defined in the template and does not exist.") }
        let properties: JSONValue = ["clientId": "client-1", "principalId": "principal-1"]
        return full ? ["id": .string(id), "properties": properties] : properties
    }

    /// A fresh evaluator (each with its own evaluation budget).
    static var evaluator: TemplateEvaluator { TemplateEvaluator(parameters: ["name": "Reg1", "count": 3, "flag": true, "tags": ["a": "1"], "list": [1, 2]],
                                             variables: ["prefix": "kura-", "full": "[concat(variables('prefix'), parameters('name'))]",
                                                         "loop": "[variables('loop')]", "double0": "x",
                                                         "double1": "[concat(variables('double0'), variables('double0'), variables('double0'), variables('double0'))]",
                                                         "double2": "[concat(variables('double1'), variables('double1'), variables('double1'), variables('double1'))]",
                                                         "double3": "[concat(variables('double2'), variables('double2'), variables('double2'), variables('double2'))]",
                                                         "double4": "[concat(variables('double3'), variables('double3'), variables('double3'), variables('double3'))]",
                                                         "double5": "[concat(variables('double4'), variables('double4'), variables('double4'), variables('double4'))]",
                                                         "double6": "[concat(variables('double5'), variables('double5'), variables('double5'), variables('double5'))]",
                                                         "double7": "[concat(variables('double6'), variables('double6'), variables('double6'), variables('double6'))]",
                                                         "double8": "[concat(variables('double7'), variables('double7'), variables('double7'), variables('double7'))]",
                                                         "double9": "[concat(variables('double8'), variables('double8'), variables('double8'), variables('double8'))]"],
                                             context: context) }

    static func value(_ text: String) async throws -> JSONValue { try await evaluator.evaluate(.string(text)) }

    static func failure(_ text: String) async -> String? {
        do {
            _ = try await value(text)
            return nil
        } catch let error as TemplateError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [
        ("[parameters('name')]", JSONValue.string("Reg1")), ("[PARAMETERS('NAME')]", "Reg1"), ("[variables('full')]", "kura-Reg1"),
        ("[concat('a', 'b', string(1))]", "ab1"), ("[concat(createArray(1), createArray(2))]", [1, 2]),
        ("[format('{0}-{1}-{{x}}', 'a', 2)]", "a-2-{x}"), ("[toLower('AbC')]", "abc"), ("[toUpper('AbC')]", "ABC"),
        ("[resourceGroup().location]", "eastus"), ("[resourceGroup().name]", "rg1"), ("[subscription().tenantId]", "tenant1"),
        ("[subscription().subscriptionId]", "sub1"),
        ("[resourceId('Microsoft.KeyVault/vaults', 'kv1')]", "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv1"),
        ("[resourceID('Microsoft.KeyVault/vaults/accessPolicies', 'kv1', 'add')]",
         "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv1/accessPolicies/add"),
        ("[resourceId('other', 'Microsoft.KeyVault/vaults', 'kv1')]", "/subscriptions/sub1/resourceGroups/other/providers/Microsoft.KeyVault/vaults/kv1"),
        ("[resourceId('s2', 'g2', 'A.B/c', 'n')]", "/subscriptions/s2/resourceGroups/g2/providers/A.B/c/n"),
        ("[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id1'), '2018-11-30').clientId]", "client-1"),
        ("[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id1'), '2018-11-30', 'Full').properties.principalId]", "principal-1"),
        ("[if(parameters('flag'), 'yes', 'no')]", "yes"), ("[if(false(), reference('missing'), 'lazy')]", "lazy"),
        ("[equals(parameters('count'), 3)]", true), ("[not(true())]", false), ("[and(true(), parameters('flag'))]", true),
        ("[or(false(), false())]", false), ("[empty('')]", true), ("[empty(null())]", true), ("[empty(parameters('list'))]", false),
        ("[contains('registry', 'gist')]", true), ("[contains(parameters('list'), 2)]", true), ("[contains(parameters('tags'), 'A')]", true),
        ("[length('abcd')]", 4), ("[length(parameters('list'))]", 2), ("[union(parameters('tags'), createObject('b', '2')).b]", "2"),
        ("[union(parameters('list'), createArray(2, 3))]", [1, 2, 3]), ("[json('{\"a\": [1]}').a[0]]", 1), ("[string(parameters('list'))]", "[1,2]"),
        ("[int('42')]", 42), ("[bool('True')]", true), ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
        ("[replace('a-b-c', '-', '')]", "abc"), ("[substring('registry', 2, 3)]", "gis"), ("[last('abc')]", "c"), ("[first(parameters('list'))]", 1),
        ("[createObject('k', 1).k]", 1), ("[coalesce(null(), null(), 'third')]", "third"), ("[parameters('tags')['a']]", "1"),
        ("[[not an expression]", "[not an expression]"), ("plain text", "plain text"), ("['it''s']", "it's"),
    ] as [(String, JSONValue)])
    func functionsEvaluate(_ text: String, _ expected: JSONValue) async throws {
        #expect(try await Self.value(text) == expected, "\(text)")
    }

    @Test(arguments: [
        ("[parameters('nope')]", "The template parameter 'nope' is not found"), ("[variables('nope')]", "The template variable 'nope' is not found"),
        ("[variables('loop')]", "refer to each other in a loop"), ("[concat()]", "takes at least 1"), ("[format('{1}', 'a')]", "names an argument"),
        ("[toLower(1)]", "expects a string"), ("[resourceGroup('x')]", "takes 0"), ("[subscription().nope]", "'nope' doesn't exist"),
        ("[resourceId('Microsoft.KeyVault/vaults')]", "needs 1 name(s), but 0"), ("[resourceId('kv1')]", "needs a resource type"),
        ("[reference('/subscriptions/x/nothing')]", "does not exist"), ("[if('yes', 1, 2)]", "expects a boolean"), ("[equals(1)]", "takes 2"),
        ("[not(1)]", "expects a boolean"), ("[and(true())]", "at least 2"), ("[or(1, true())]", "expects a boolean"),
        ("[empty(1)]", "a string, an array or an object"), ("[contains(1, 1)]", "a string, an array or an object"), ("[length(null())]", "a string, an array or an object"),
        ("[union(1, 2)]", "objects or arrays"), ("[json('{nope')]", "not JSON"), ("[string()]", "takes 1"), ("[int('x')]", "cannot convert"),
        ("[bool('maybe')]", "cannot convert"), ("[split(1, ',')]", "expects a string"), ("[replace('a', '', 'b')]", "non-empty"),
        ("[substring('abc', 2, 5)]", "outside the string"), ("[last(1)]", "an array or a string"), ("[first(1)]", "an array or a string"),
        ("[createObject('k')]", "pairs"), ("[createArray(1)[3]]", "out of bounds"), ("[uniqueString()]", "at least 1"), ("[guid()]", "at least 1"),
        ("[listKeys(resourceId('A.B/c', 'n'), '2020-01-01')]", "is not supported"), ("[copyIndex()]", "inside a 'copy' loop"),
        ("[utcNow()]", "The template function 'utcNow' is not valid"), ("[concat('a']", "expected ')'"), ("[concat('a' 'b')]", "expected ',' or ')'"), ("[concat('a')) ]", "unexpected ')'"),
        ("['open]", "a string is not closed"), ("[parameters]", "must be called"),
        ("[substring('abc', 1, 9223372036854775807)]", "outside the string"), ("[substring('abc', -9223372036854775808)]", "outside the string"),
        ("[toLower(parameters('count'))]", "expects a string, not a number"), ("[int(parameters('tags'))]", "cannot convert an object"),
        ("[replace(variables('double5'), 'x', concat(variables('double5'), 'x'))]", "would make a string of more than 1048576 bytes"),
        ("[concat(variables('double9'), variables('double9'), variables('double9'), variables('double9'), 'x')]", "would make a string of more than 1048576 bytes"),
        ("[" + String(repeating: "createObject('a', 1).a", count: 1) + String(repeating: ".a", count: 70) + "]", "more than 64 member or index steps"),
    ])
    func errorsNameTheProblem(_ text: String, _ expected: String) async {
        let message = await Self.failure(text)
        #expect(message?.contains(expected) == true, "\(text) → \(message ?? "no error")")
    }

    @Test func uniqueStringAndGuidAreStableAndShaped() async throws {
        let unique = try await Self.value("[uniqueString(resourceGroup().id, 'x')]")
        #expect(try await Self.value("[uniqueString(resourceGroup().id, 'x')]") == unique)
        #expect(try await Self.value("[uniqueString(resourceGroup().id, 'y')]") != unique)
        #expect(unique.stringValue?.count == 13 && unique.stringValue?.allSatisfy { $0.isLowercase || $0.isNumber } == true)
        let guid = try await Self.value("[guid('a', 'b')]").stringValue ?? ""
        #expect(guid.count == 36 && guid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(try await Self.value("[guid('a', 'b')]") == .string(guid))
        #expect(try await Self.value("[guid('a', 'c')]") != .string(guid))
    }

    @Test func expressionsInMemberNamesAndNestedValuesAreEvaluated() async throws {
        let identity: JSONValue = ["type": "UserAssigned",
                                   "userAssignedIdentities": ["[resourceID('Microsoft.ManagedIdentity/userAssignedIdentities', 'id1')]": [:]]]
        let evaluated = try await Self.evaluator.evaluate(identity)
        #expect(evaluated["userAssignedIdentities"]?.objectValue?.keys == [Self.identity])
    }

    @Test func copyIndexCountsTheLoopItIsIn() async throws {
        var inLoop = Self.evaluator
        inLoop.copyIndices = [(loop: "outer", index: 1), (loop: "inner", index: 4)]
        #expect(try await inLoop.evaluate(.string("[copyIndex()]")) == 4)
        #expect(try await inLoop.evaluate(.string("[copyIndex('outer', 10)]")) == 11)
        #expect(try await inLoop.evaluate(.string("[copyIndex(1)]")) == 5)
        await #expect(throws: TemplateError.invalid("The template function 'copyIndex': the offset 9223372036854775807 is too large.")) {
            try await inLoop.evaluate(.string("[copyIndex(9223372036854775807)]"))
        }
    }
}
