// kura — a self-hosted encrypted container registry.
// GlobalOptions: the options every client command takes (`-o`, `--query`, `--verbose`, ...), and output.

public import ArgumentParser
import Foundation
public import KuraAPI
import KuraJMESPath

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
    /// - Parameter table: the command's own `-o table` columns (used only without `--query`).
    /// - Throws: ``CLIError`` `.usage` for an invalid query.
    public func emit(_ result: JSONValue?, table: TableLayout? = nil) throws {
        try render(result, table: table)
    }

    /// Prints a `KuraAPI` model: its one conversion to JSON, then `--query` and the format.
    public func emit(_ answer: some Encodable, table: TableLayout? = nil) throws {
        try render((answer as? JSONValue) ?? JSONValue(encoding: answer), table: table)
    }

    private func render(_ result: JSONValue?, table: TableLayout?) throws {
        if output == .table, query == nil, let table, let result, !result.isNull {
            let text = output.render(table.transform(result), queried: true)
            if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
            return
        }
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
    /// - Parameter longRunning: show az's progress line on a terminal while it runs.
    @discardableResult
    public func withClient<R: Sendable>(longRunning: Bool = false, _ body: (KuraClient) async throws -> R) async throws -> R {
        let profile = try CLIProfile.load(from: directory)
        guard longRunning else { return try await KuraClient.with(profile: profile, directory: directory, verbose: verbose || debug, body) }
        return try await Progress.run("Running") {
            try await KuraClient.with(profile: profile, directory: directory, verbose: verbose || debug, body)
        }
    }
}

/// Runs a command line with az's exit codes: 0 success, 1 service or local error, 2 usage error,
/// 3 a `show` of something that does not exist.
public enum KuraCommandLine {
    public static func run(_ root: any ParsableCommand.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        let (arguments, repaired) = repairingTypographicDashes(arguments)
        if !arguments.contains("--only-show-errors") {
            for (original, fixed) in repaired {
                FileHandle.standardError.write(Data("WARNING: read '\(original)' as '\(fixed)' (it began with a typographic dash)\n".utf8))
            }
        }
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

    /// Options whose dashes a word processor turned typographic (`–-name`, `—name`, `–name`, as
    /// documents pasted into a terminal carry them) read as `--name`; anything else is left alone.
    /// - Returns: the arguments, and each repaired one with its replacement.
    static func repairingTypographicDashes(_ arguments: [String]) -> ([String], [(String, String)]) {
        let dashes: Set<Character> = ["-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2212}"]
        var repaired: [(String, String)] = []
        let result = arguments.map { argument -> String in
            let prefix = argument.prefix(while: dashes.contains)
            let rest = argument.dropFirst(prefix.count)
            guard prefix.contains(where: { $0 != "-" }), prefix.count <= 2, rest.first?.isLetter == true else { return argument }
            let fixed = (rest.count == 1 ? "-" : "--") + rest
            repaired.append((argument, fixed))
            return fixed
        }
        return (result, repaired)
    }
}
