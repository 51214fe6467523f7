import KuraAPI
import KuraTemplates
import Testing

/// A whole template's expressions are checked before anything is evaluated: each refusal names
/// the function or the fault and where in the template it is.
@Suite struct TemplateCheckTests {
    static func template(_ resource: JSONValue) -> JSONValue {
        ["$schema": "x", "contentVersion": "1.0.0.0", "resources": [resource]]
    }

    static let wrong: [(JSONValue, String)] = [
        (["type": "A.B/c", "name": "n", "location": "[utcNowPlus()]"],
         "The template function 'utcNowPlus' is not valid. kura evaluates: parameters, variables, "),
        (["type": "A.B/c", "name": "n", "properties": ["keys": ["[listKeys(resourceId('A.B/c', 'n'), '2020-01-01').key1]"]]],
         "The template function 'listKeys' is not supported: kura's resources expose no keys or secrets to a template. It is used in 'resources[0].properties.keys[0]'."),
        (["type": "A.B/c", "name": "n", "identity": ["userAssignedIdentities": ["[resourceId('A.B/c' 'n')]": [:]]]],
         "The template language expression '[resourceId('A.B/c' 'n')]' is not valid: expected ',' or ')' at position 21. It is used in 'resources[0].identity.userAssignedIdentities.[resourceId('A.B/c' 'n')]'."),
        (["type": "A.B/c", "name": "[concat('a', toLower(nowish()))]"], "The template function 'nowish' is not valid"),
    ]

    @Test(arguments: wrong)
    func aWrongExpressionIsRefusedNamingWhereItIs(_ resource: JSONValue, _ expected: String) {
        #expect {
            try TemplateCheck.expressions(in: Self.template(resource))
        } throws: { error in
            (error as? TemplateError)?.code == "InvalidTemplate" && (error as? TemplateError)?.message.contains(expected) == true
        }
    }

    @Test func anUnknownFunctionNamesItsPlace() throws {
        let error = #expect(throws: TemplateError.self) {
            try TemplateCheck.expressions(in: Self.template(["type": "A.B/c", "name": "n", "location": "[utcNowPlus()]"]))
        }
        #expect(error?.message.hasSuffix("It is used in 'resources[0].location'.") == true, "\(error?.message ?? "")")
    }

    @Test func whatIsNeverEvaluatedIsNotChecked() throws {
        try TemplateCheck.expressions(in: [
            "$schema": "[not checked]", "metadata": ["note": "[anything(goes)]"],
            "parameters": ["p": ["type": "string", "defaultValue": "[resourceGroup().location]", "metadata": ["description": "[x]"],
                                 "allowedValues": ["[compared as written]", "eastus"]]],
            "resources": [["type": "A.B/c", "name": "n", "comments": "[a note, not an expression]", "apiVersion": "2020-01-01"]],
        ])
    }

    @Test func aVariableNamedMetadataIsStillChecked() {
        #expect(throws: TemplateError.self) {
            try TemplateCheck.expressions(in: ["variables": ["metadata": "[nowish()]"], "resources": []])
        }
        #expect(throws: TemplateError.self) {
            try TemplateCheck.expressions(in: ["outputs": ["o": ["type": "array", "copy": ["count": 1, "input": "[nowish()]"]]], "resources": []])
        }
        #expect(throws: TemplateError.self) {
            try TemplateCheck.expressions(in: ["resources": [["type": "A.B/c", "name": "n", "resources": [["type": "d", "name": "[nowish()]"]]]]])
        }
    }

    @Test func literalsAndKnownFunctionsPass() throws {
        try TemplateCheck.expressions(in: [
            "parameters": ["p": ["type": "string", "defaultValue": "[resourceGroup().location]"]],
            "variables": ["v": "[[literal brackets]", "w": "[toUpper(parameters('p'))]"],
            "resources": [["type": "A.B/c", "name": "[concat(variables('w'), copyIndex())]", "copy": ["name": "l", "count": 2]]],
            "outputs": ["o": ["type": "string", "value": "[REFERENCE(resourceId('A.B/c', 'x')).id]"]],
        ])
    }

    static let copyMistakes: [(JSONValue, String)] = [
        (["resources": [["type": "A.B/c", "name": "n", "properties": ["copy": ["name": "x", "count": 1, "input": 1]]]]], "must be an array of {name, count, input}"),
        (["resources": [["type": "A.B/c", "name": "n", "properties": ["copy": [["name": "x", "count": 100_000, "input": 1]]]]]], "count must be an integer from 0 to 800"),
        (["resources": [["type": "A.B/c", "name": "n", "properties": ["copy": [["name": "x", "count": -1, "input": 1]]]]]], "count must be an integer from 0 to 800"),
        (["resources": [["type": "A.B/c", "name": "n", "properties": ["copy": [["name": "x", "count": "3", "input": 1]]]]]], "count must be an integer from 0 to 800"),
        (["resources": [["type": "A.B/c", "name": "n", "properties": ["copy": [["name": "x", "count": 2]]]]]], "needs a 'name', a 'count' and an 'input'"),
        (["resources": [["type": "A.B/c", "name": "n", "properties": ["copy": [["name": "x", "count": 1, "input": 1], ["name": "X", "count": 1, "input": 2]]]]]],
         "Two 'copy' loops are named 'X'"),
        (["variables": ["copy": ["name": "v", "count": 1, "input": 1]], "resources": []], "must be an array of {name, count, input}"),
        (["variables": ["v": 1, "copy": [["name": "v", "count": 1, "input": 1]]], "resources": []], "The variable 'v' is declared twice"),
        (["variables": ["copy": [["name": "v", "count": 1_000_000, "input": 1]]], "resources": []], "count must be an integer from 0 to 800"),
        (["outputs": ["o": ["type": "array", "value": 1, "copy": ["count": 1, "input": 1]]], "resources": []], "has both a 'value' and a 'copy'"),
        (["outputs": ["o": ["type": "string", "copy": ["count": 1, "input": 1]]], "resources": []], "its type must be 'array'"),
        (["outputs": ["o": ["type": "array", "copy": ["count": 10_000_000, "input": 1]]], "resources": []], "count must be an integer from 0 to 800"),
    ]

    @Test(arguments: copyMistakes)
    func copyLoopMistakesAreRefusedBeforeAnythingRuns(_ template: JSONValue, _ expected: String) {
        #expect {
            try TemplateCheck.expressions(in: template)
        } throws: { error in
            (error as? TemplateError)?.message.contains(expected) == true
        }
    }
}
