// kura — a self-hosted encrypted container registry.
// The `kura` command: `kura serve` and the client commands.

import ArgumentParser
import KuraServer

@main
struct Kura: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kura",
        abstract: "kura (蔵): a self-hosted encrypted container registry that speaks Azure's protocols.",
        subcommands: [ServeCommand.self])
}
