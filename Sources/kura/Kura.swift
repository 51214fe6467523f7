// kura — a self-hosted encrypted container registry.
// The `kura` command: `kura serve` and the client commands.

import ArgumentParser
import KuraCLI
import KuraServer

struct Kura: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kura",
        abstract: "kura (蔵): a self-hosted encrypted container registry that speaks Azure's protocols.",
        subcommands: [ServeCommand.self, LoginCommand.self, LogoutCommand.self, AccountCommand.self, GroupCommand.self, IdentityCommand.self,
                      KeyVaultCommand.self, RoleCommand.self, ADCommand.self, RegistryCommand.self, DeploymentCommand.self])
}

@main
enum Main {
    static func main() async {
        await KuraCommandLine.run(Kura.self)
    }
}
