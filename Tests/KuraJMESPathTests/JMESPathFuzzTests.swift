import KuraAPI
import KuraCore
import KuraJMESPath
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): `--query` expressions. Random and mutated expressions compile or fail with a
/// ``JMESPathError``; compiled ones search small random documents (integer limits included) and
/// give JSON that serialises and parses back equal (the parser itself: KuraAPITests' JSON fuzz).
@Suite struct JMESPathFuzzTests {
    static let expressions = [
        "foo.bar", "foo[0]", "foo[-1]", "foo[1:3]", "[::-1]", "[1::2]", "foo[*].bar", "foo[].bar", "items[?n > `1`].name",
        "items[?a == 'x' || !b && c]", "*.a", "{a: a, b: b.c}", "[a, b]", "a || b && !c", "a | b", "@", "length(@)", "abs(@)",
        "sort_by(items, &n)", "max_by(items, &n)", "min_by(@, &a)", "to_number('1e3')", "join(',', @)", "'literal'",
        "`{\"a\": [1, 2.5, null, true]}`", "\"quoted id\"", "reverse(@)", "merge(@, `{\"a\": 1}`)", "contains(@, `1`)", "sum(@)",
        "avg(@)", "ceil(`1.5`)", "floor(@)", "keys(@)", "values(@)", "type(@)", "not_null(a, b, `3`)", "map(&a, @)", "min(@)",
        "max(@)", "sort(@)", "starts_with(@, 'a')", "ends_with(name, 'z')", "to_string(@)", "to_array(@)", "foo[?contains(tags, 'x')] | [0]",
        "a.b.c.d", "a[0][1][2]", "a[*][*]", "[[a]]", "&a", "foo[?`true`]",
        // Integer limits in literals, indexes and slices.
        "abs(`-9223372036854775808`)", "[1::9223372036854775807]", "[::-9223372036854775808]", "[-9223372036854775808]",
        "a[9223372036854775807]", "[9223372036854775807:-9223372036854775808:-1]", "sum(`[9223372036854775807, 1]`)",
    ]
    static let keys = ["a", "b", "c", "foo", "bar", "items", "n", "name", "tags", ""]
    static let numbers: [JSONValue] = [.integer(0), .integer(1), .integer(-1), .integer(.max), .integer(.min), .double(0.5),
                                       .double(-1.5), .double(1e300), .double(-0.0)]

    @Test func expressionsCompileOrFailAndSearchGivesJSON() {
        var fuzz = FuzzRun("JMESPath (JMESPath.init, search)", seed: 0x4A_4D45_53,
                           tokens: FuzzRun.tokens + ["[?", "&", "`", "'", "||", "&&", "!", "@", "|", "::", "[*]", "[]", ".*", "(@)", "abs(", "sort_by("])
        for _ in 0..<fuzz.cases {
            let expression = fuzz.string(seeds: Self.expressions, maxLength: 128)
            let document = Self.document(&fuzz, depth: 3)
            fuzz.trace(expression + "  on  " + document.text)
            Self.tally(&fuzz, from: expression) { () throws(JMESPathError) -> JSONValue in try JMESPath(expression).search(document) }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    /// Nesting far deeper than any real query or document is a syntax error, never a stack overflow.
    @Test(arguments: [100, 100_000])
    func deepNestingIsAnErrorOrAValueNotAStackOverflow(depth: Int) {
        _ = try? JMESPath(String(repeating: "(", count: depth) + "a" + String(repeating: ")", count: depth)).search(.null)
        _ = try? JMESPath(String(repeating: "!", count: depth) + "a").search(.null)
        _ = try? JMESPath(String(repeating: "[", count: depth) + "a" + String(repeating: "]", count: depth)).search(.null)
        _ = try? JMESPath("a" + String(repeating: ".a", count: depth)).search(.null)
    }

    /// Counts what `source` gives as accepted (and checks its JSON) or, when it throws, rejected.
    static func tally(_ fuzz: inout FuzzRun, from source: String, _ produce: () throws(JMESPathError) -> JSONValue) {
        do throws(JMESPathError) {
            let value = try produce()
            fuzz.accept()
            checkJSON(value, from: source, &fuzz)
        } catch {
            fuzz.reject()
        }
    }

    /// `value` (what `source` gave) serialises to JSON that parses back equal; non-finite numbers
    /// have no JSON form (they are written as `null`), so those are only required to parse.
    static func checkJSON(_ value: JSONValue, from source: String, _ fuzz: inout FuzzRun) {
        guard isFinite(value) else { return }
        let text = value.text
        let again = try? JSONValue(parsing: text)
        fuzz.check(again != nil, "\(FuzzRun.quoted(source)) gave \(FuzzRun.quoted(text)), which is not JSON")
        fuzz.check(again == value, "\(FuzzRun.quoted(source)) gave \(FuzzRun.quoted(text)), which parses back as \(again.map { FuzzRun.quoted($0.text) } ?? "nothing")")
    }

    static func isFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .double(let number): number.isFinite
        case .array(let items): items.allSatisfy(isFinite)
        case .object(let members): members.allSatisfy { isFinite($0.value) }
        default: true
        }
    }

    /// A small random document: integer limits, doubles, strings, arrays and objects `depth` deep.
    static func document(_ fuzz: inout FuzzRun, depth: Int) -> JSONValue {
        switch fuzz.below(depth > 0 ? 8 : 5) {
        case 0: return .null
        case 1: return .bool(fuzz.below(2) == 0)
        case 2: return fuzz.pick(numbers)
        case 3: return .string(fuzz.pick(["", "a", "abc", "é🙂", "1e3", "-9223372036854775808", "null", "\u{0}\u{1F}"]))
        case 4: return .integer(fuzz.int64(in: Int64.min...Int64.max))
        case 5, 6:
            let count = fuzz.below(5)
            var items: [JSONValue] = []
            for _ in 0..<count { items.append(document(&fuzz, depth: depth - 1)) }
            return .array(items)
        default:
            var members = JSONObject()
            for key in keys.shuffled(using: &fuzz.generator).prefix(fuzz.below(4)) { members[key] = document(&fuzz, depth: depth - 1) }
            return .object(members)
        }
    }
}
