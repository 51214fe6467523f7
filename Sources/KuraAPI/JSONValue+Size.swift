// kura — a self-hosted encrypted container registry.
// JSONValue+Size: whether a value, written as JSON, stays within a size — without writing it.

extension JSONValue {
    /// Whether the value written as JSON takes at most `bytes` (strings counted by their UTF-8
    /// bytes, escapes aside). Stops as soon as it is over, so it costs at most about `bytes`
    /// however large the value is (a value may share one large part many times).
    public func fits(within bytes: Int) -> Bool {
        var remaining = bytes
        return Self.fits(self, &remaining)
    }

    private static func fits(_ value: JSONValue, _ remaining: inout Int) -> Bool {
        switch value {
        case .string(let text): remaining -= text.utf8.count + 2
        case .array(let items):
            remaining -= 2 + items.count
            for item in items where remaining >= 0 { if !fits(item, &remaining) { return false } }
        case .object(let members):
            remaining -= 2 + members.count * 2
            for (key, member) in members where remaining >= 0 {
                remaining -= key.utf8.count + 2
                if !fits(member, &remaining) { return false }
            }
        default: remaining -= 20
        }
        return remaining >= 0
    }
}
