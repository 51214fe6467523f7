import KuraJMESPath
import Testing

@Suite struct JMESValueTests {
    @Test func objectsKeepDocumentOrderThroughQueries() throws {
        let document = try JMESValue(parsing: #"{"zeta": 1, "alpha": {"b": 2, "a": 3}, "mid": [true, null, "x"]}"#)
        #expect(try JMESPath("keys(@)").search(document).serialized() == #"["zeta","alpha","mid"]"#)
        #expect(try JMESPath("alpha.*").search(document).serialized() == "[2,3]")
        #expect(try JMESPath("{m: mid, z: zeta}").search(document).serialized() == #"{"m":[true,null,"x"],"z":1}"#)
    }

    @Test func serializationRoundTripsStringsAndNumbers() throws {
        let text = #"{"s":"line\nquote\" slash\\ \u0001 é 😀","i":-12,"d":1.5,"e":1.0e3}"#
        let value = try JMESValue(parsing: text)
        #expect(value["s"] == .string("line\nquote\" slash\\ \u{01} é 😀"))
        #expect(try JMESValue(parsing: value.serialized()) == value)
        #expect(value["d"]?.serialized() == "1.5" && value["i"]?.serialized() == "-12")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "tru", "\"unterminated", "1 2", "{'a': 1}"])
    func rejectsWhatIsNotJSON(_ text: String) {
        #expect(throws: JMESPathError.self) { try JMESValue(parsing: text) }
    }
}
