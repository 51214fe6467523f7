// kura — a self-hosted encrypted container registry.
// Progress: az's "- Running .." line on stderr while a long operation runs.

import Foundation

/// A spinner line on stderr while `body` runs, only when stderr is a terminal (as az shows one
/// for long-running operations); redirected output stays clean. The line is erased when the
/// operation ends, so only the result remains.
enum Progress {
    private static let frames = ["-", "\\", "|", "/"]

    static func run<R: Sendable>(_ activity: String, _ body: () async throws -> R) async throws -> R {
        guard isatty(STDERR_FILENO) != 0 else { return try await body() }
        let ticker = Task {
            let start = ContinuousClock.now
            var frame = 0
            while !Task.isCancelled {
                let seconds = (ContinuousClock.now - start).components.seconds
                FileHandle.standardError.write(Data("\r\(frames[frame % frames.count]) \(activity) .. \(seconds)s\u{1B}[K".utf8))
                frame += 1
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        func finish() async {
            ticker.cancel()
            await ticker.value
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
        do {
            let result = try await body()
            await finish()
            return result
        } catch {
            await finish()
            throw error
        }
    }
}
