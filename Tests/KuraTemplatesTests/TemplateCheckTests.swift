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
}
