// kura — a self-hosted encrypted container registry.
// Confirmation: az's "Are you sure?" before destructive commands.

import Foundation

/// az's confirmation prompt: `--yes` skips it; without a terminal to ask on, the command fails.
enum Confirmation {
    static func require(_ confirmed: Bool, _ question: String) throws {
        guard !confirmed else { return }
        guard isatty(STDIN_FILENO) != 0 else {
            throw CLIError(.local, "Unable to prompt for confirmation as no tty available. Use --yes.")
        }
        FileHandle.standardError.write(Data("\(question) (y/n): ".utf8))
        guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased(), ["y", "yes"].contains(answer) else {
            throw CLIError(.local, "Operation cancelled.")
        }
    }
}
