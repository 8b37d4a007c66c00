import AgentctlCommands
import Foundation

/// One binary, two programs: the package installs /usr/bin/agentctl as a link to agentd, and a
/// process started under that name is agentctl. Decided before anything else runs, so
/// agentctl never gets the daemon's process settings.
@main
enum Entry {
    static func main() async {
        if URL(fileURLWithPath: CommandLine.arguments.first ?? "agentd").lastPathComponent == "agentctl" {
            await Agentctl.runAsRoot()
        } else {
            await Agentd.runAsRoot()
        }
    }
}
