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

    @Test(arguments: ["{nope", "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "tru", "\"unterminated", "1 2", "{'a': 1}", "1e999",
                      #""\ud800""#, #""\ud800x""#, #""\ud800\u0041""#, #""\udc00""#, #""\u+041""#, #""\u-000""#, "\"\u{01}\""])
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

    @Test func aByteOrderMarkAndSurrogatePairsAreRead() throws {
        #expect(try JSONValue(parsing: [0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)) == ["a": 1])
        #expect(try JSONValue(parsing: #""\ud83d\ude00 \u00e9\u0041""#) == "😀 éA")
    }

    @Test func requestsNestLessThanStoredDocuments() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONSyntaxError(offset: 64, reason: "nested deeper than 64 levels")) {
            try JSONValue(parsing: deep, maximumDepth: JSONValue.requestDepth)
        }
        #expect(try JSONValue(parsing: deep).arrayValue?.count == 1, "a stored document may nest deeper than a request")
    }

    @Test func membersRemovedInBulkKeepTheRestInOrder() {
        var members = JSONObject((0..<1000).map { ("k\($0)", JSONValue.integer(Int64($0))) })
        for index in 0..<1000 where index % 3 != 0 { members["k\(index)"] = nil }
        members["late"] = true
        #expect(members.count == 335 && members.keys.prefix(3) == ["k0", "k3", "k6"] && members.keys.last == "late")
        #expect(members["k999"] == 999 && members["k998"] == nil && members.values.first == 0)
        #expect(members == JSONObject(members.keys.reversed().map { ($0, members[$0]!) }), "equal whatever the order")
        #expect(Set([JSONValue.object(members), JSONValue.object(JSONObject(members.keys.reversed().map { ($0, members[$0]!) }))]).count == 1)
    }
}
