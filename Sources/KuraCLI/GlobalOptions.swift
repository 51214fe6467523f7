// kura — a self-hosted encrypted container registry.
// GlobalOptions: the options every client command takes (`-o`, `--query`, `--verbose`, ...), and output.

public import ArgumentParser
import Foundation
public import KuraJMESPath

extension OutputFormat: ExpressibleByArgument {}

/// az's global arguments.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: [.short, .long], help: "Output format: json, jsonc, tsv, table, yaml, none.")
    public var output: OutputFormat = .json

    @Option(name: .long, help: "JMESPath query string (see https://jmespath.org).")
    public var query: String?

    @Flag(name: .long, help: "Only show errors, suppressing warnings.")
    public var onlyShowErrors = false

    @Flag(name: .long, help: "Increase logging verbosity: request lines on stderr.")
    public var verbose = false

    @Flag(name: .long, help: "Show all debug logs (request lines and statuses; never secrets).")
    public var debug = false

    public init() {}

    /// Where the CLI keeps its state.
    public var directory: String { CLIProfile.directory() }

    /// Applies `--query` and prints `result` in the chosen format.
    /// - Throws: ``CLIError`` `.usage` for an invalid query.
    public func emit(_ result: JMESValue?) throws {
        var value = result
        if let query {
            do {
                value = try JMESPath(query).search(result ?? .null)
            } catch {
                throw CLIError(.usage, "argument --query: invalid jmespath_type value: '\(query)' (\(error))")
            }
        }
        let text = output.render(value, queried: query != nil)
        if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    /// A warning on stderr, unless `--only-show-errors`.
    public func warn(_ message: String) {
        guard !onlyShowErrors else { return }
        FileHandle.standardError.write(Data("WARNING: \(message)\n".utf8))
    }

    /// Runs `body` with a client for the logged-in profile.
    public func withClient<R: Sendable>(_ body: (KuraClient) async throws -> R) async throws -> R {
        let profile = try CLIProfile.load(from: directory)
        return try await KuraClient.with(profile: profile, directory: directory, verbose: verbose || debug, body)
    }
}

/// Runs a command line with az's exit codes: 0 success, 1 service or local error, 2 usage error,
/// 3 a `show` of something that does not exist.
public enum KuraCommandLine {
    public static func run(_ root: any ParsableCommand.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        do {
            var command = try root.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            exit(error.exitCode)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                FileHandle.standardOutput.write(Data((message + "\n").utf8))
                exit(0)
            }
            let text = message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
            FileHandle.standardError.write(Data(("ERROR: " + text + "\n").utf8))
            exit(2)
        }
    }
}
