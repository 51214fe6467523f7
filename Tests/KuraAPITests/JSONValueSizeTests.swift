import KuraAPI
import Testing

/// `fits(within:)` agrees with the written JSON's size and stops early on a value that shares one
/// large part many times.
@Suite struct JSONValueSizeTests {
    @Test(arguments: [JSONValue.string("abc"), ["a": 1, "b": [true, .null, "x"]], .array([]), ["nested": ["deeper": ["é": "ü"]]]])
    func aValueFitsItsOwnWrittenSize(_ value: JSONValue) {
        // The estimate counts 20 bytes for a number, true or null, exact bytes for the rest.
        let written = value.serialized().count
        #expect(value.fits(within: written + 20 * 4))
        #expect(!value.fits(within: written / 2 - 1))
    }

    @Test func aSharedPartCountsEachTime() {
        let part = JSONValue.string(String(repeating: "x", count: 1 << 20))
        let shared = JSONValue.array(Array(repeating: part, count: 1 << 12))  // 4 GiB written
        #expect(!shared.fits(within: 1 << 21))
        #expect(part.fits(within: (1 << 20) + 2) && !part.fits(within: 1 << 20))
    }
}
