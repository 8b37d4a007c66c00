import ArgumentParser
import Core

struct Agentd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agentd",
        abstract: "Runs AI-agent workflows on this machine, with no internet.",
        version: AgentdVersion.current,
        subcommands: [Serve.self, CheckConfig.self, KeyGen.self, Restore.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by the commands that read configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: /etc/agentd/agentd.toml; none needed with --dev).")
    var config: String?

    @Flag(name: .long, help: "Dev mode: state in ./.agentd/, the invoking user is an administrator on the socket.")
    var dev = false

    static let defaultFile = "/etc/agentd/agentd.toml"
    static let devDirectory = ".agentd"

    func load() throws(ConfigError) -> Config {
        if dev {
            return try ConfigLoader.load(file: config, requireFile: config != nil,
                                         base: Config.dev(directory: Self.devDirectory))
        }
        return try ConfigLoader.load(file: config ?? Self.defaultFile, requireFile: config != nil, base: Config())
    }
}
