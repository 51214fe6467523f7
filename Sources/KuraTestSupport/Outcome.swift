// kura — a self-hosted encrypted container registry.
// Outcome: a call's answer as a value, so a test double can hold the call and answer it later.

/// What `body` returned or threw, as a `Result` (typed like its failure): a double records a
/// call's answer, lets the test see the call (``Arrivals/pass()``), then answers with `get()`.
public func outcome<Value, Failure: Error>(_ body: () async throws(Failure) -> Value) async -> Result<Value, Failure> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
