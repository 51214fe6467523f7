// kura — a self-hosted encrypted container registry.
// SQLTextOrder: how SQL compares text, for the in-memory stores that must agree with it.

extension String {
    /// SQL's `=` on text: the same UTF-8 bytes (Swift's `==` also equates canonically equivalent text).
    public func sameBytes(_ other: String) -> Bool { utf8.elementsEqual(other.utf8) }

    /// SQL's `ORDER BY` on text (SQLite's BINARY collation): UTF-8 byte order.
    public func bytesPrecede(_ other: String) -> Bool { utf8.lexicographicallyPrecedes(other.utf8) }
}
