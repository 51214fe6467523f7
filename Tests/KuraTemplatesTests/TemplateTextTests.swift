import KuraAPI
import KuraTemplates
import Testing

/// Template text as ARM and az accept it: JSON with comments, trailing commas and (az's
/// deployment body) a bare `template:` key; anything else is `InvalidTemplate` with its place.
@Suite struct TemplateTextTests {
    @Test func commentsTrailingCommasAndBareKeysAreRead() throws {
        let text = """
            {"properties": {"mode": "Incremental", template:{
              // a line comment, "with quotes"
              "parameters": {"a": {"type": "string", /* inline */ "defaultValue": "x//not a comment"},},
              "resources": [1, 2,],
            }
            }}
            """
        let body = try TemplateText.parse(Array(text.utf8))
        #expect(body["properties"]?["template"]?["parameters"]?["a"]?["defaultValue"] == "x//not a comment")
        #expect(body["properties"]?["template"]?["resources"] == [1, 2])
    }

    @Test func whatIsNotJSONIsNamedByLineAndColumn() {
        #expect(throws: TemplateError.invalid("The template is not valid JSON at line 3, column 10: expected ',' or '}'.")) {
            try TemplateText.parse(Array("{\n  \"a\": 1,\n  \"b\": 2 \"c\": 3\n}".utf8))
        }
        #expect(throws: TemplateError.self) { try TemplateText.parse(Array("{\"a\": 1 /* never closed".utf8)) }
    }

    @Test func strictJSONStaysStrict() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: "[1, 2,]") }
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: "{a: 1}") }
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: "[1 // no\n]") }
    }
}
