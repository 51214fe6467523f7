// kura — a self-hosted encrypted container registry.
// FuzzRun: deterministic inputs and a tally for the parsers' property-based fuzz loops.

import Foundation

/// One fuzz loop over one parser: a fixed seed, a number of cases, inputs that are random bytes
/// or mutations of valid seeds (bit flips, deleted, inserted, duplicated and repeated slices,
/// spliced tokens that break parsers: huge numbers, separators, NULs, combining marks), and a
/// tally printed when the loop ends.
///
/// A trap in the parser kills the test process: that is how a crash shows, so a loop that reaches
/// its summary found none. `KURA_FUZZ_CASES` sets the number of cases (default 100,000);
/// `KURA_FUZZ_TRACE=1` writes every input to standard error before it is tried, so the last one
/// written is the one that crashed.
///
/// ```swift
/// var fuzz = FuzzRun("Range", seed: 0x52)
/// for _ in 0..<fuzz.cases {
///     let header = fuzz.string(seeds: ["bytes=0-9"])
///     fuzz.trace(header)
///     guard let range = ByteRange.parse(header, size: 10) else { fuzz.reject(); continue }
///     fuzz.accept()
///     fuzz.check(range.upperBound <= 10, "\(FuzzRun.quoted(header)) gave \(range)")
/// }
/// print(fuzz.summary)
/// ```
public struct FuzzRun: Sendable {
    public let name: String
    public let seed: UInt64
    public let cases: Int
    public var generator: SeededGenerator
    /// Inputs the parser accepted and rejected.
    public private(set) var accepted = 0
    public private(set) var rejected = 0
    /// The first invariant violations, in full; ``failureCount`` counts them all.
    public private(set) var failures: [String] = []
    public private(set) var failureCount = 0
    private var tried = 0
    private let splices: [[UInt8]]
    private let tracing: Bool

    /// - Parameters:
    ///   - cases: how many inputs to try (``configuredCases(_:default:)``).
    ///   - tokens: what mutations splice in; ``tokens`` plus the parser's own words.
    public init(_ name: String, seed: UInt64, cases: Int = FuzzRun.configuredCases(), tokens: [String] = FuzzRun.tokens) {
        self.name = name
        self.seed = seed
        self.cases = cases
        self.generator = SeededGenerator(seed: seed)
        self.splices = (tokens.isEmpty ? FuzzRun.tokens : tokens).map { Array($0.utf8) }
        self.tracing = ProcessInfo.processInfo.environment["KURA_FUZZ_TRACE"].map { !$0.isEmpty && $0 != "0" } ?? false
    }

    /// The number of cases `variable` asks for, else `fallback`.
    public static func configuredCases(_ variable: String = "KURA_FUZZ_CASES", default fallback: Int = 100_000) -> Int {
        ProcessInfo.processInfo.environment[variable].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? fallback
    }

    /// Words that break parsers: integer and float limits, range and list syntax, digest and
    /// auth prefixes, escapes, NUL, quotes, brackets, and scalars whose UTF-8 or case mapping
    /// changes length.
    public static let tokens: [String] = numbers + [
        "bytes=", "bytes ", "0-", "-0", "0-0", "-", "--", "*", "/", "*/*", ",", ";", ":", "::", "=", "==", "&", "?", "#",
        "%", "%00", "%zz", "%2F", "%25", "%3A", "+", " ", "\t", "\r\n", "\n", "\u{0}", "\"", "'", "\\", "\\u0000", "\\ud800",
        "\\udc00", "[", "]", "{", "}", "(", ")", "[]", "{}", "null", "true", "false", "sha256:", "sha512:", "sha384:", "md5:",
        "sha256:" + String(repeating: "0", count: 64), "Basic ", "Bearer ", "resource=", "scope=", "/.default", "https://",
        "..", "../", "//", "__", ".", "_", "é", "\u{301}", "İ", "ß", "\u{FEFF}", "\u{200B}", "🙂", "\u{7F}", "\u{FFFD}",
    ]

    /// Numbers at the edges of `Int32`, `Int64`, `UInt64` and `Double`, and forms a lax parser accepts.
    public static let numbers: [String] = [
        "0", "-0", "1", "-1", "+1", "007", "2147483647", "2147483648", "4294967295", "4294967296", "9223372036854775806",
        "9223372036854775807", "9223372036854775808", "-9223372036854775807", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "99999999999999999999999999999", "1e308", "1e309", "-1e309", "1e-400",
        "0.5", "1.0", "-0.0", "NaN", "Infinity", "0x10", "1_000",
    ]

    // MARK: Inputs

    /// A uniform integer in `0..<bound` (0 when `bound` is 0 or less).
    public mutating func below(_ bound: Int) -> Int {
        bound <= 1 ? 0 : Int.random(in: 0..<bound, using: &generator)
    }

    /// One of `items`, which must not be empty.
    public mutating func pick<Element>(_ items: [Element]) -> Element {
        items[below(items.count)]
    }

    /// One of the limits of `Int64` or a uniform value in `range`.
    public mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
        let edges = [range.lowerBound, range.upperBound, 0, 1, -1, Int64.max, Int64.min, Int64.max - 1].filter { range.contains($0) }
        return below(4) == 0 ? pick(edges) : Int64.random(in: range, using: &generator)
    }

    /// Up to `maxLength` random bytes: printable ASCII half the time, any byte otherwise.
    public mutating func randomBytes(maxLength: Int) -> [UInt8] {
        let count = below(maxLength + 1)
        if below(2) == 0 { return (0..<count).map { _ in UInt8(0x20 + below(0x5F)) } }
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    /// An input derived from `seeds`: mostly a mutation of one, sometimes one unchanged (so the
    /// accepting paths run too), random bytes, or tokens glued together.
    public mutating func bytes(seeds: [[UInt8]], maxLength: Int = 512) -> [UInt8] {
        let choice = below(20)
        if choice < 2 || seeds.isEmpty { return randomBytes(maxLength: maxLength) }
        if choice == 2 {
            var glued: [UInt8] = []
            for _ in 0...below(8) { glued += pick(splices) }
            return Array(glued.prefix(maxLength))
        }
        return choice < 5 ? pick(seeds) : mutate(pick(seeds), maxLength: maxLength)
    }

    /// ``bytes(seeds:maxLength:)`` as text (invalid UTF-8 becomes U+FFFD, as a request decoder does).
    public mutating func string(seeds: [String], maxLength: Int = 512) -> String {
        String(decoding: bytes(seeds: seeds.map { Array($0.utf8) }, maxLength: maxLength), as: UTF8.self)
    }

    /// `seed` after one to four mutations, cut to `maxLength` bytes.
    public mutating func mutate(_ seed: [UInt8], maxLength: Int = 512) -> [UInt8] {
        var bytes = seed
        for _ in 0...below(4) {
            switch below(10) {
            case 0 where !bytes.isEmpty:
                bytes[below(bytes.count)] ^= 1 << UInt8(below(8))
            case 1 where !bytes.isEmpty:
                bytes[below(bytes.count)] = below(2) == 0 ? UInt8(truncatingIfNeeded: generator.next()) : pick(Self.boundaryBytes)
            case 2 where !bytes.isEmpty:
                bytes.removeSubrange(slice(of: bytes.count))
            case 3:
                bytes.insert(contentsOf: randomBytes(maxLength: 8), at: below(bytes.count + 1))
            case 4 where !bytes.isEmpty:
                let copy = Array(bytes[slice(of: bytes.count)])
                bytes.insert(contentsOf: copy, at: below(bytes.count + 1))
            case 5 where !bytes.isEmpty:
                // A long run of a short unit: huge numbers, deep nesting, long names.
                let start = below(bytes.count)
                let unit = Array(bytes[start..<min(bytes.count, start + 1 + below(4))])
                let times = 1 + below(max(1, maxLength / unit.count))
                bytes.insert(contentsOf: Array(Array(repeating: unit, count: times).joined()), at: start)
            case 6:
                bytes.insert(contentsOf: pick(splices), at: below(bytes.count + 1))
            case 7 where !bytes.isEmpty:
                bytes.replaceSubrange(slice(of: bytes.count), with: pick(splices))
            case 8 where !bytes.isEmpty:
                bytes.removeLast(1 + below(bytes.count))
            default:
                replaceNumber(in: &bytes)
            }
        }
        if bytes.count > maxLength { bytes.removeLast(bytes.count - maxLength) }
        return bytes
    }

    static let boundaryBytes: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x25, 0x2B, 0x2C, 0x2D, 0x2F, 0x30, 0x39, 0x3A,
                                         0x3D, 0x5C, 0x7F, 0x80, 0xBF, 0xC0, 0xE0, 0xF0, 0xFF]

    /// A random non-empty range of at most 16 positions in `0..<count` (`count` > 0).
    private mutating func slice(of count: Int) -> Range<Int> {
        let start = below(count)
        return start..<(start + 1 + below(min(16, count - start)))
    }

    /// Replaces a run of digits (or, without one, a random position) with one of ``numbers``.
    private mutating func replaceNumber(in bytes: inout [UInt8]) {
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        let number = Array(pick(Self.numbers).utf8)
        let digits = bytes.indices.filter { isDigit(bytes[$0]) }
        guard !digits.isEmpty else {
            bytes.insert(contentsOf: number, at: below(bytes.count + 1))
            return
        }
        var start = digits[below(digits.count)]
        var end = start
        while start > 0 && isDigit(bytes[start - 1]) { start -= 1 }
        while end < bytes.count && isDigit(bytes[end]) { end += 1 }
        bytes.replaceSubrange(start..<end, with: number)
    }

    // MARK: Tally

    /// Writes `input` to standard error when `KURA_FUZZ_TRACE` is set; call it before trying an input.
    public mutating func trace(_ input: @autoclosure () -> String) {
        tried += 1
        guard tracing else { return }
        FileHandle.standardError.write(Data("fuzz \(name) #\(tried): \(Self.quoted(input(), limit: 4096))\n".utf8))
    }

    public mutating func accept() { accepted += 1 }

    public mutating func reject() { rejected += 1 }

    /// Records an invariant violation unless `condition` holds.
    public mutating func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard !condition else { return }
        failureCount += 1
        if failures.count < 10 { failures.append(message()) }
    }

    /// One line for the CI log: cases run, crashes (a crash ends the process before this line), outcomes.
    public var summary: String {
        "fuzz \(name): \(accepted + rejected) cases, 0 crashes, \(accepted) accepted, \(rejected) rejected, "
            + "\(failureCount) invariant failures (seed 0x\(String(seed, radix: 16)))"
    }

    /// `text` as a Swift literal, cut to `limit` characters, for failure messages.
    public static func quoted(_ text: String, limit: Int = 200) -> String {
        let literal = text.debugDescription
        return literal.count <= limit ? literal : String(literal.prefix(limit)) + "…(\(text.utf8.count) bytes)"
    }
}
