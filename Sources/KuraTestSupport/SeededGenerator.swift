// kura — a self-hosted encrypted container registry.
// SeededGenerator: a small deterministic random number generator (SplitMix64).

/// A ``RandomNumberGenerator`` whose sequence depends only on its seed (SplitMix64, Steele, Lea
/// and Flood 2014): the same seed gives the same numbers on every platform and every run, so a
/// property test or fuzz loop that fails can be replayed. Never for keys, nonces or secrets.
///
/// ```swift
/// var generator = SeededGenerator(seed: 42)
/// let size = Int.random(in: 0..<1024, using: &generator)
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
