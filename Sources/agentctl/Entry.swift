import AgentctlCommands

/// The commands live in AgentctlCommands, which agentd links too: the package ships one binary,
/// and /usr/bin/agentctl is a link to it (see agentd's Entry).
@main
enum Entry {
    static func main() async { await Agentctl.runAsRoot() }
}
