import KuraAPI
import Testing

@Suite struct JSONValueTests {
    @Test func roundTripsEveryKindExactly() throws {
        let text = #"{"a":[1,2.5,"x",true,null],"big":9007199254740993,"nested":{"k":"v/w"}}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value["big"] == .integer(9_007_199_254_740_993))
        #expect(value["a"]?.arrayValue?.count == 5 && value["a"]?.arrayValue?[3] == true)
        #expect(String(decoding: value.serialized(), as: UTF8.self) == text)
    }

    @Test func mergePatchFollowsRFC7396() {
        let stored: JSONValue = ["a": "keep", "b": ["c": 1, "d": 2], "e": [1, 2]]
        let merged = stored.merging(["b": ["c": .null, "x": 3], "e": [3], "f": "new"])
        #expect(merged == ["a": "keep", "b": ["d": 2, "x": 3], "e": [3], "f": "new"])
    }

    @Test func membersMatchWithoutCaseWhenAsked() {
        let value: JSONValue = ["KeyIdentifier": "k"]
        #expect(value.member(caseInsensitive: "keyIdentifier") == "k")
        #expect(value["keyIdentifier"] == nil)
    }

    @Test func serializationRoundTripsStringsAndNumbers() throws {
        let text = #"{"s":"line\nquote\" slash\\ \u0001 é 😀","i":-12,"d":1.5,"e":1.0e3}"#
        let value = try JSONValue(parsing: text)
        #expect(value["s"] == .string("line\nquote\" slash\\ \u{01} é 😀"))
        #expect(try JSONValue(parsing: value.text) == value)
        #expect(value["d"]?.text == "1.5" && value["i"]?.text == "-12")
    }

    @Test(arguments: ["{nope", "", "{", "[1,]", "{\"a\" 1}", "01", "tru", "\"unterminated", "1 2", "{'a': 1}"])
    func rejectsWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: text) }
    }

    @Test func objectsKeepOrderReplaceInPlaceAndCompareWithoutIt() throws {
        var members: JSONObject = ["zeta": 1, "alpha": 2]
        members["mid"] = 3
        members["zeta"] = 4
        #expect(members.keys == ["zeta", "alpha", "mid"] && members["zeta"] == 4)
        members["alpha"] = nil
        #expect(JSONValue.object(members).text == #"{"zeta":4,"mid":3}"#)
        #expect(JSONValue.object(members) == ["mid": 3, "zeta": 4])
        #expect(try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#).text == #"{"a":3,"b":2}"#)
    }

    @Test func numbersCompareAndHashByValue() {
        #expect(JSONValue.integer(1) == .double(1.0) && JSONValue.integer(1) != .double(1.5))
        #expect(Set<JSONValue>([.integer(2), .double(2.0)]).count == 1)
        #expect(JSONValue.integer(9_007_199_254_740_993) != .double(9_007_199_254_740_992))
        #expect(JSONValue.double(2).text == "2.0" && JSONValue.double(.infinity).text == "null")
    }

    @Test func syntaxErrorsSayWhere() {
        #expect(throws: JSONSyntaxError(offset: 7, reason: "expected ',' or '}'")) { try JSONValue(parsing: #"{"a":1 "b":2}"#) }
        #expect(throws: JSONSyntaxError(offset: 512, reason: "nested deeper than 512 levels")) {
            try JSONValue(parsing: String(repeating: "[", count: 513) + String(repeating: "]", count: 513))
        }
    }

    @Test func wireModelsBecomeJSONValuesAndBack() throws {
        let model = OCIErrorBody(code: "DENIED", message: "no")
        let value = JSONValue(encoding: model)
        #expect(value == ["errors": [["code": "DENIED", "message": "no", "detail": .null]]])
        #expect(try value.decoded(as: OCIErrorBody.self) == model)
    }
}
