import KuraCore
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
        let merged = stored.merging(["b": ["c": nil, "x": 3], "e": [3], "f": "new"])
        #expect(merged == ["a": "keep", "b": ["d": 2, "x": 3], "e": [3], "f": "new"])
    }

    @Test func membersMatchWithoutCaseWhenAsked() {
        let value: JSONValue = ["KeyIdentifier": "k"]
        #expect(value.member(caseInsensitive: "keyIdentifier") == "k")
        #expect(value["keyIdentifier"] == nil)
    }

    @Test func rejectsWhatIsNotJSON() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Array("{nope".utf8)) }
    }
}
