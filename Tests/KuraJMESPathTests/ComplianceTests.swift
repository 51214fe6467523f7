import KuraAPI
import Foundation
import KuraJMESPath
import Testing

/// The official JMESPath compliance suite (`../shared/testdata/jmespath-compliance/`, every file but
/// `benchmarks.json` and the schema): every case must give a JSON-equal result or raise an error
/// of the named kind.
@Suite struct ComplianceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/testdata/jmespath-compliance")

    struct Failure: CustomStringConvertible {
        let file: String
        let expression: String
        let detail: String
        var description: String { "\(file): \(expression) — \(detail)" }
    }

    @Test func everyCaseOfTheSuitePasses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "benchmarks.json" && $0 != "schema.json" }.sorted()
        #expect(files.count == 15, "the suite's files are all there")
        var total = 0
        var failures: [Failure] = []
        for file in files {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
            guard case .array(let suites) = try JSONValue(parsing: text) else { continue }
            for suite in suites {
                let given = suite["given"] ?? .null
                guard case .array(let cases)? = suite["cases"] else { continue }
                for testCase in cases {
                    guard case .string(let expression)? = testCase["expression"], testCase["bench"] == nil else { continue }
                    total += 1
                    let outcome: Result<JSONValue, JMESPathError>
                    do { outcome = .success(try JMESPath(expression).search(given)) } catch { outcome = .failure(error) }
                    switch (testCase["error"], outcome) {
                    case (.string(let kind)?, .failure(let error)) where error.kind.rawValue == kind: continue
                    case (.string(let kind)?, .failure(let error)):
                        failures.append(Failure(file: file, expression: expression, detail: "expected \(kind) error, got \(error)"))
                    case (.string(let kind)?, .success(let value)):
                        failures.append(Failure(file: file, expression: expression, detail: "expected \(kind) error, got \(value.text)"))
                    case (_, .success(let value)):
                        let expected = testCase["result"] ?? .null
                        if value != expected {
                            failures.append(Failure(file: file, expression: expression,
                                                    detail: "expected \(expected.text), got \(value.text)"))
                        }
                    case (_, .failure(let error)):
                        failures.append(Failure(file: file, expression: expression, detail: "unexpected \(error)"))
                    }
                }
            }
        }
        print("JMESPath compliance: \(total - failures.count)/\(total) cases passed")
        for failure in failures.prefix(40) { print("  ✘ \(failure)") }
        #expect(failures.isEmpty, "\(failures.count) of \(total) compliance cases failed")
        #expect(total > 800)
    }
}
