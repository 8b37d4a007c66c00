import Foundation
import Hummingbird
import Logging
import API
import Platform
import ServiceLifecycle

/// The two listeners that serve the one router: TCP and the Unix socket.
enum Listeners {
    static func make(server: Config.Server, tcp: HostPort, responder: some HTTPResponder<AgentRequestContext>,
                     readiness: Readiness, logger: Logger,
                     onTCPBound: @escaping @Sendable (_ host: String, _ port: Int) -> Void = { _, _ in }) -> (tcp: any Service, socket: any Service) {
        let socketPath = server.socket
        let socketMode = server.socketMode
        // Who may connect: the socket group, else the admin group. Who is an administrator is
        // decided per request from the peer's credentials, not by this.
        let socketGroup = server.socketGroup.flatMap(UnixAccounts.groupID(named:)) ?? UnixAccounts.groupID(named: server.adminGroup)
        prepareSocketDirectory(for: socketPath, group: socketGroup)

        let tcpApp = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(tcp.host, port: tcp.port), serverName: nil),
            onServerRunning: { channel in
                onTCPBound(tcp.host, channel.localAddress?.port ?? tcp.port)
                logger.info("listening", metadata: ["transport": "tcp",
                                                    "address": "\(tcp.host):\(channel.localAddress?.port ?? tcp.port)"])
                await readiness.partUp()
            },
            logger: logger)
        let socketApp = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath), serverName: nil),
            onServerRunning: { _ in
                // why: the socket is created with the process umask; only the configured mode
                // (default 0660: owner and group) may connect; the group is the socket group.
                chmod(socketPath, mode_t(socketMode))
                if let socketGroup { chown(socketPath, uid_t.max, socketGroup) }
                logger.info("listening", metadata: ["transport": "unix", "path": "\(socketPath)"])
                await readiness.partUp()
            },
            logger: logger)
        return (tcpApp, socketApp)
    }

    /// Creates the socket's directory (0750) when missing, with the admin group, so that the
    /// group's members can reach the socket inside it.
    private static func prepareSocketDirectory(for socketPath: String, group: UInt32?) {
        let directory = URL(fileURLWithPath: socketPath).deletingLastPathComponent().path
        guard !FileManager.default.fileExists(atPath: directory) else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o750])
        if let group { chown(directory, uid_t.max, group) }
    }
}
