import ArgumentParser
import Client
import Foundation

/// How agentctl reaches agentd and how it prints. Shared by every command.
struct ConnectionOptions: ParsableArguments {
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(name: .long, help: ArgumentHelp("The daemon's Unix socket.", discussion: """
        Default: $AGENTCTL_URL if set (then HTTP), else $AGENTCTL_SOCKET, else ./.agentd/agentd.sock when it \
        exists and is yours (dev mode), else /run/agentd/agentd.sock.
        """))
    var socket: String?

    @Option(name: .long, help: "Talk HTTP to this base URL instead of the socket, e.g. http://127.0.0.1:8700 (or $AGENTCTL_URL).")
    var url: String?

    @Option(name: .long, help: "An API key to send as a bearer token (or $AGENTCTL_API_KEY); needed with --url.")
    var apiKey: String?

    @Option(name: .long, help: "On the socket, as a user who belongs to several orgs: act in this org (ID or name).")
    var asOrg: String?

    @Option(name: [.short, .long], help: "table for people, json for programs.")
    var output: OutputFormat = .table

    static let systemSocket = "/run/agentd/agentd.sock"
    static let devSocket = ".agentd/agentd.sock"

    var endpoint: Endpoint {
        if let url { return .url(url) }
        if let socket { return .socket(socket) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["AGENTCTL_URL"], !fromEnvironment.isEmpty {
            return .url(fromEnvironment)
        }
        if let fromEnvironment = ProcessInfo.processInfo.environment["AGENTCTL_SOCKET"], !fromEnvironment.isEmpty {
            return .socket(fromEnvironment)
        }
        return .socket(Self.devSocketUsable ? Self.devSocket : Self.systemSocket)
    }

    /// Whether ./.agentd/agentd.sock is there and may be used unasked: decided (and a refusal
    /// said) once per run, however often a command asks for its endpoint.
    private static let devSocketUsable: Bool = {
        guard FileManager.default.fileExists(atPath: devSocket) else { return false }
        if let refusal = foreignDevSocket() {
            FileHandle.standardError.write(Data("agentctl: ignoring ./\(devSocket): \(refusal); pass --socket to use it\n".utf8))
            return false
        }
        return true
    }()

    /// Why the dev socket in the working directory must not be used unasked, or nil when it is
    /// this user's own. Someone who can write to the directory (a shared /tmp, another user's
    /// checkout) could plant a socket there and read what an administrator types into agentctl
    /// (secret values, passwords) or answer in agentd's name.
    static func foreignDevSocket() -> String? {
        let me = geteuid()
        var directory = stat(), socket = stat()
        guard lstat(".agentd", &directory) == 0, lstat(devSocket, &socket) == 0 else { return "it cannot be examined" }
        guard (directory.st_mode & S_IFMT) == S_IFDIR else { return ".agentd is not a directory" }
        guard directory.st_uid == me else { return ".agentd belongs to uid \(directory.st_uid), not to you" }
        guard directory.st_mode & 0o022 == 0 else { return "others may write to .agentd" }
        guard (socket.st_mode & S_IFMT) == S_IFSOCK else { return "it is not a socket" }
        guard socket.st_uid == me else { return "it belongs to uid \(socket.st_uid), not to you" }
        return nil
    }

    func validate() throws {
        if url != nil && socket != nil { throw ValidationError("give --socket or --url, not both") }
    }

    var client: AgentClient {
        var client = AgentClient(endpoint: endpoint)
        // An explicit key wins; otherwise a session from `agentctl login` for this address.
        let key = apiKey ?? ProcessInfo.processInfo.environment["AGENTCTL_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let token = key ?? SessionFile.token(for: endpoint.description) { client.bearerToken = token }
        if let asOrg { client.extraHeaders.append(("X-Agentd-Org", asOrg)) }
        return client
    }
}
