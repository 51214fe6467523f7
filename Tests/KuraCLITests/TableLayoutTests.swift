@testable import KuraCLI
import KuraAPI
import KuraJMESPath
import Testing

/// az's per-command table columns (knack's `table_transformer`), on real command output shapes.
@Suite struct TableLayoutTests {
    static let registry: JSONValue = [
        "name": "myregistry", "resourceGroup": "rg", "location": "eastus", "sku": ["name": "Premium"], "loginServer": "myregistry.cr.localhost:8443",
        "creationDate": "2026-11-29T08:28:16.052123Z", "adminUserEnabled": false, "id": "/x"]

    @Test func registriesTakeAcrsColumnsInAcrsOrderWithPythonStrings() {
        let text = OutputFormat.table.render(TableLayout.registries.transform(.array([Self.registry])), queried: true)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                == "NAME RESOURCE GROUP LOCATION SKU LOGIN SERVER CREATION DATE ADMIN ENABLED")
        #expect(lines[2].split(separator: " ").map(String.init)
                == ["myregistry", "rg", "eastus", "Premium", "myregistry.cr.localhost:8443", "2026-11-29T08:28:16Z", "False"])
    }

    @Test func aMissingValueIsASpaceAndASingleObjectIsOneRow() throws {
        let sparse = try JSONValue(parsing: #"{"username":"admin","passwords":[{"value":"p1"}]}"#)
        let rows = TableLayout.registryCredentials.transform(sparse)
        #expect(rows.text == #"[{"USERNAME":"admin","PASSWORD":"p1","PASSWORD2":" "}]"#, "columns in the layout's order")
    }

    @Test func resourceGroupsKeepRawValuesAndUnwrapAValueList() throws {
        let page = try JSONValue(parsing: #"{"value":[{"name":"rg1","location":"eastus","properties":{"provisioningState":"Succeeded"}}]}"#)
        #expect(TableLayout.resourceGroups.transform(page).text == #"[{"Name":"rg1","Location":"eastus","Status":"Succeeded"}]"#)
    }
}
