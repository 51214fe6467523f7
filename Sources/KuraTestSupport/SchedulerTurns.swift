// kura — a self-hosted encrypted container registry.
// SchedulerTurns: waits for a condition other tasks make true, by giving them turns — not time.

/// Returns once `condition` holds, yielding the task between checks so the tasks that make it
/// true run. No wall-clock time is involved: a condition that never comes is a hang, which the
/// calling test's `.timeLimit` ends. Tests use it where the event they wait for has no
/// notification of its own (e.g. "every request is now waiting, or has reached the vault").
public func yieldUntil(_ condition: @Sendable () -> Bool) async {
    while !condition() { await Task.yield() }
}
