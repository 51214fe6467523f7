import KuraAPI
import KuraCLI
import KuraJMESPath
import Testing

/// az's output semantics (knack's json/tsv/table/yaml), on the same values.
@Suite struct OutputFormatTests {
    static let resource: JSONValue = ["name": "rg1", "location": "eastus", "id": "/subscriptions/s/resourceGroups/rg1", "tags": ["a": "b"],
                                      "properties": ["provisioningState": "Succeeded"], "count": 3, "enabled": true, "missing": .null]

    @Test func jsonIsIndentedWithSortedKeys() {
        let text = OutputFormat.json.render(Self.resource, queried: false)
        #expect(text.hasPrefix("{\n  \"count\": 3,\n  \"enabled\": true,\n  \"id\": "))
        #expect(text.contains("\"properties\": {\n    \"provisioningState\": \"Succeeded\"\n  },"))
        #expect(text.hasSuffix("}\n"))
        #expect(OutputFormat.json.render(.array([]), queried: false) == "[]\n")
    }

    @Test func tsvPrintsScalarsRowsAndPythonStyleCells() throws {
        #expect(OutputFormat.tsv.render(.string("abc"), queried: true) == "abc\n")
        #expect(OutputFormat.tsv.render(.bool(true), queried: true) == "true\n")
        #expect(OutputFormat.tsv.render(.array([.string("a"), .string("b")]), queried: true) == "a\nb\n")
        // Unqueried objects: values in key order; nested objects empty, lists as their length, null as None.
        #expect(OutputFormat.tsv.render(Self.resource, queried: false)
                == "3\tTrue\t/subscriptions/s/resourceGroups/rg1\teastus\tNone\trg1\t\t\n")
        let queried = try JMESPath("{z: name, a: count}").search(Self.resource)
        #expect(OutputFormat.tsv.render(queried, queried: true) == "rg1\t3\n", "after --query the result's own order is kept")
        #expect(OutputFormat.tsv.render(nil, queried: false) == "" && OutputFormat.tsv.render(.null, queried: true) == "")
    }

    @Test func tableShowsScalarColumnsSkippingIdTypeEtag() throws {
        let rows = JSONValue.array([Self.resource, try JSONValue(parsing: #"{"name":"second","location":"westeurope","count":12}"#)])
        let text = OutputFormat.table.render(rows, queried: false)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Count    Enabled    Location    Name")
        #expect(lines[1] == "-------  ---------  ----------  ------")
        #expect(lines[2] == "3        True       eastus      rg1")
        #expect(lines[3] == "12                  westeurope  second")
        #expect(OutputFormat.table.render(.array([.string("x")]), queried: true) == "Result\n--------\nx\n")
    }

    @Test func yamlIsBlockStyleAndNoneIsEmpty() throws {
        let text = OutputFormat.yaml.render(try JSONValue(parsing: #"{"b":[1,"two"],"a":{"c":true},"d":"1.0"}"#), queried: false)
        #expect(text == "a:\n  c: true\nb:\n- 1\n- two\nd: '1.0'\n")
        #expect(OutputFormat.none.render(Self.resource, queried: false) == "")
    }
}
