import AgentctlCommands
import ArgumentParser
import Foundation

/// One binary, two programs: the package installs /usr/bin/agentctl as a link to agentd, and a
/// process started under that name is agentctl. Decided before anything else runs, so
/// agentctl never gets the daemon's process settings.
@main
enum Entry {
    static func main() async {
        if URL(fileURLWithPath: CommandLine.arguments.first ?? "agentd").lastPathComponent == "agentctl" {
            await run(Agentctl.self)
        } else {
            await run(Agentd.self)
        }
    }

    /// Pins ArgumentParser's asynchronous entry point: called by name from here, Swift picks
    /// the synchronous `main()` of ParsableCommand, which refuses an asynchronous root
    /// (swift-argument-parser#688).
    static func run(_ command: any AsyncParsableCommand.Type) async {
        await command.main(nil)
    }
}
