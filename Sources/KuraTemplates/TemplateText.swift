// kura — a self-hosted encrypted container registry.
// TemplateText: a template file's text as ARM and az accept it — JSON with comments and trailing commas.

public import KuraAPI

/// Reads template text (and az's deployment body, which splices the file in verbatim after a bare
/// `template:` key): `//` and `/* */` comments, trailing commas and bare member names are allowed.
public enum TemplateText {
    /// The text as JSON.
    /// - Throws: ``TemplateError`` `InvalidTemplate` with the line and column (1-based) of the
    ///   first thing that is not JSON.
    public static func parse(_ bytes: [UInt8]) throws(TemplateError) -> JSONValue {
        do {
            return try JSONValue(parsingLeniently: bytes)
        } catch {
            let (line, column) = position(of: error.offset, in: bytes)
            throw .invalid("The template is not valid JSON at line \(line), column \(column): \(error.reason).")
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = bytes.prefix(min(offset, bytes.count))
        let line = before.lazy.filter { $0 == 0x0A }.count + 1
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return (line, String(decoding: bytes[lineStart..<before.endIndex], as: UTF8.self).count + 1)
    }
}
