import KuraAPI
import KuraJMESPath
import Testing

@Suite struct OrderedResultTests {
    @Test func objectsKeepDocumentOrderThroughQueries() throws {
        let document = try JSONValue(parsing: #"{"zeta": 1, "alpha": {"b": 2, "a": 3}, "mid": [true, null, "x"]}"#)
        #expect(try JMESPath("keys(@)").search(document).text == #"["zeta","alpha","mid"]"#)
        #expect(try JMESPath("alpha.*").search(document).text == "[2,3]")
        #expect(try JMESPath("{m: mid, z: zeta}").search(document).text == #"{"m":[true,null,"x"],"z":1}"#)
    }
}
