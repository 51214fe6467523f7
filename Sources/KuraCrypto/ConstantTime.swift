// kura — a self-hosted encrypted container registry.
// ConstantTime: comparisons of secrets whose duration does not depend on where they differ.

/// Whether two byte sequences are equal, in time that depends only on their length.
public func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

/// Whether two secrets (as text) are equal, in time that depends only on their length.
public func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    constantTimeEquals(Array(lhs.utf8), Array(rhs.utf8))
}
