import AgentctlCommands
import ArgumentParser

/// The commands live in AgentctlCommands, which agentd links too: the package ships one binary,
/// and /usr/bin/agentctl is a link to it (see agentd's Entry).
@main
enum Entry {
    static func main() async {
        // As `any AsyncParsableCommand.Type`: Swift would otherwise pick the synchronous
        // `main` of ParsableCommand, which refuses an asynchronous root (swift-argument-parser#688).
        let command: any AsyncParsableCommand.Type = Agentctl.self
        await command.main(nil)
    }
}
