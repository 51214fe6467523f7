// kura — a self-hosted encrypted container registry.
// FormParameters: query strings and x-www-form-urlencoded bodies.

import Foundation

/// Decoded `key=value&…` pairs in order (a key may repeat, as `scope` does in token requests).
package struct FormParameters: Sendable {
    package let pairs: [(key: String, value: String)]

    /// Parses a query string or a form body: `+` is a space, `%XX` is decoded; malformed escapes are kept as sent.
    /// `&` and `=` are found in the UTF-8 bytes, not among characters, so a combining mark or a
    /// format character after a separator never hides it.
    package init(_ encoded: Substring) {
        pairs = encoded.utf8.split(separator: UInt8(ascii: "&")).map { item in
            let parts = item.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    package init(_ encoded: String?) { self.init(Substring(encoded ?? "")) }

    package subscript(key: String) -> String? { pairs.first { $0.key == key }?.value }

    package func all(_ key: String) -> [String] { pairs.filter { $0.key == key }.map(\.value) }

    /// `+` becomes a space and each `%XX` its byte; a `%` not followed by two hex digits stays as
    /// sent. Decoded on bytes (not through Foundation, which drops a decoded byte-order mark).
    private static func decode(_ bytes: Substring.UTF8View.SubSequence) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), let high = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), high < bytes.endIndex,
               let low = bytes.index(high, offsetBy: 1, limitedBy: bytes.endIndex), low < bytes.endIndex,
               let first = hexValue(bytes[high]), let second = hexValue(bytes[low]) {
                decoded.append(first << 4 | second)
                index = bytes.index(after: low)
                continue
            }
            decoded.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
