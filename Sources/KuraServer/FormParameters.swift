// kura — a self-hosted encrypted container registry.
// FormParameters: query strings and x-www-form-urlencoded bodies.

import Foundation

/// Decoded `key=value&…` pairs in order (a key may repeat, as `scope` does in token requests).
struct FormParameters: Sendable {
    let pairs: [(key: String, value: String)]

    /// Parses a query string or a form body: `+` is a space, `%XX` is decoded; malformed escapes are kept as sent.
    init(_ encoded: Substring) {
        pairs = encoded.split(separator: "&").compactMap { item in
            guard !item.isEmpty else { return nil }
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    init(_ encoded: String?) { self.init(Substring(encoded ?? "")) }

    subscript(key: String) -> String? { pairs.first { $0.key == key }?.value }

    func all(_ key: String) -> [String] { pairs.filter { $0.key == key }.map(\.value) }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
