import KuraAPI
import KuraTemplates
import Testing

/// Parameters resolve in declaration order with their types and constraints; a missing or
/// undeclared one is `InvalidTemplate` naming it; secure ones are marked.
@Suite struct TemplateParametersTests {
    static let context = TemplateContext(subscriptionID: "s", tenantID: "t", resourceGroup: "rg", location: "westeurope") { id, _, _ throws(TemplateError) in
        throw .invalid("no \(id)")
    }

    static let declared: JSONValue = [
        "name": ["type": "string", "minLength": 5, "maxLength": 50],
        "location": ["type": "string", "defaultValue": "[resourceGroup().location]"],
        "sku": ["type": "string", "defaultValue": "Premium", "allowedValues": ["Basic", "Standard", "Premium"]],
        "days": ["type": "int", "defaultValue": 7, "minValue": 0, "maxValue": 365],
        "admin": ["type": "bool", "defaultValue": false],
        "password": ["type": "securestring", "defaultValue": ""],
        "label": ["type": "string", "defaultValue": "[concat(parameters('name'), '-', parameters('sku'))]"],
    ]

    static func resolve(_ given: JSONValue) async throws -> TemplateParameters.Resolved {
        try await TemplateParameters.resolve(declared: declared, given: given, context: context)
    }

    @Test func atMost256ParametersAreDeclaredOrGivenAndNamesMatchWithoutCase() async throws {
        let many = JSONValue.object(JSONObject((0...TemplateParameters.maximumCount).map { ("p\($0)", ["type": "int", "defaultValue": 1]) }))
        await #expect(throws: TemplateError.self) {
            try await TemplateParameters.resolve(declared: many, given: nil, context: Self.context)
        }
        let resolved = try await Self.resolve(["NAME": ["value": "registry1"], "Days": ["value": 9]])
        #expect(resolved.values["name"] == "registry1" && resolved.values["days"] == 9)
    }

    @Test func givenValuesAndDefaultsResolveInOrder() async throws {
        let resolved = try await Self.resolve(["name": ["value": "registry1"], "days": ["value": "30"], "admin": ["value": "true"]])
        #expect(resolved.values["location"] == "westeurope" && resolved.values["sku"] == "Premium")
        #expect(resolved.values["days"] == 30 && resolved.values["admin"] == true, "az's k=v strings convert to the declared type")
        #expect(resolved.values["label"] == "registry1-Premium")
        #expect(resolved.secure == ["password"])
    }

    @Test(arguments: [
        (JSONValue.object([:]), "The value for the template parameter 'name' is not provided"),
        (["name": ["value": "registry1"], "extra": ["value": 1]], "The template parameters 'extra' in the parameters file are not valid"),
        (["name": ["value": "abc"]], "its length 3 is less than the minimum length of 5"),
        (["name": ["value": "registry1"], "sku": ["value": "Gold"]], "The value must be one of"),
        (["name": ["value": "registry1"], "days": ["value": 400]], "more than the maximum value of 365"),
        (["name": ["value": "registry1"], "days": ["value": -1]], "less than the minimum value of 0"),
        (["name": ["value": 5]], "is of type 'string'"),
        (["name": ["value": "registry1"], "admin": ["value": "maybe"]], "is of type 'bool'"),
        (["name": ["reference": ["keyVault": [:]]]], "refers to a Key Vault secret"),
        (["name": ["nope": 1]], "is given without a 'value'"),
    ] as [(JSONValue, String)])
    func badValuesAreNamed(_ given: JSONValue, _ expected: String) async {
        do {
            _ = try await Self.resolve(given)
            Issue.record("\(given.text) was accepted")
        } catch let error as TemplateError {
            #expect(error.code == "InvalidTemplate" && error.message.contains(expected), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
