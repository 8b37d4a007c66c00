import API
import Core
import Foundation
import Hummingbird
import Logging
import Metrics
import Platform
import Prometheus
import ServiceLifecycle
import Storage

/// Wires agentd together and runs it: database and writer first, then the two listeners that
/// share one router. Shutdown (SIGTERM/SIGINT) runs in reverse: listeners stop accepting and
/// finish in-flight requests, then the writer commits what is queued, then the database is
/// checkpointed and closed.
struct Daemon {
    let config: Config
    let devMode: Bool
    let logger: Logger

    func run() async throws {
        let clock = WallClock()
        let startedAt = clock.now()
        let startedMonotonic = ContinuousClock.now
        let notifier = SystemdNotifier()
        notifier.status("opening database")

        if SocketGuard.isServed(config.server.socket) {
            throw DaemonStartError(description: "another agentd is already serving on \(config.server.socket); stop it first")
        }
        guard let tcp = HostPort(config.server.listen) else {
            throw DaemonStartError(description: "server.listen \(config.server.listen) is not host:port")
        }

        let registry = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: registry)
        metricsFactory.valueHistogramBuckets["agentd_writer_batch_units"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        metricsFactory.durationHistogramBuckets["agentd_writer_commit_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .seconds(1),
        ]

        let database: AgentDatabase
        do {
            database = try AgentDatabase(
                options: DatabaseOptions(path: config.database.path, synchronous: config.database.synchronous,
                                         busyTimeoutMilliseconds: config.database.busyTimeoutMilliseconds,
                                         maximumReaders: config.database.readers),
                writerOptions: Writer.Options(maxBatch: config.writer.batchMax,
                                              batchWindow: .microseconds(config.writer.batchWindowMicroseconds)),
                metrics: metricsFactory, now: startedAt)
        } catch {
            throw DaemonStartError.database(error, path: config.database.path)
        }
        logger.info("database open", metadata: [
            "path": "\(config.database.path)", "schema_version": "\(database.schemaVersion)",
            "migrations_applied": "\(database.appliedMigrations.map(String.init).joined(separator: ","))",
            "synchronous": "\(config.database.synchronous.rawValue.lowercased())",
        ])

        // The writer must run before the default org can be ensured; WriterService.run's own
        // start() is then a no-op.
        database.writer.start()
        let defaultOrg: Org
        do {
            defaultOrg = try await OrgStore(database: database).ensureDefault(now: clock.now())
        } catch {
            await database.writer.stop()
            try? database.close()
            throw DaemonStartError(description: "cannot write to the database \(config.database.path): \(error)")
        }

        let services = APIServices(
            database: database, clock: clock,
            limits: RequestLimits(maxBodyBytes: config.server.maxBodyBytes, maxJSONDepth: config.server.maxJSONDepth),
            info: ServerInfo(version: AgentdVersion.current, startedAt: startedAt,
                             startedAtMonotonic: startedMonotonic, devMode: devMode),
            identity: SocketIdentityPolicy(adminGroup: config.server.adminGroup,
                                           devUID: devMode ? getuid() : nil, defaultOrg: defaultOrg.id),
            registry: registry)
        let responder = try APIRouter.build(services: services).buildResponder()

        let readiness = ListenerReadiness(expected: 2) {
            notifier.ready(status: "serving")
            let elapsed = ContinuousClock.now - startedMonotonic
            let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            logger.info("ready", metadata: ["startup_ms": "\(millis)"])
        }
        let socketPath = config.server.socket
        let socketMode = config.server.socketMode
        let socketDirectory = URL(fileURLWithPath: socketPath).deletingLastPathComponent().path
        let socketGroup = UnixAccounts.groupID(named: config.server.adminGroup)
        if !FileManager.default.fileExists(atPath: socketDirectory) {
            try? FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o750])
            // why: members of the admin group must be able to reach the socket inside it.
            if let socketGroup { chown(socketDirectory, uid_t.max, socketGroup) }
        }

        let tcpApp = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(tcp.host, port: tcp.port), serverName: nil),
            onServerRunning: { [logger] channel in
                logger.info("listening", metadata: ["transport": "tcp",
                                                    "address": "\(tcp.host):\(channel.localAddress?.port ?? tcp.port)"])
                await readiness.listenerUp()
            },
            logger: logger)
        let socketApp = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath), serverName: nil),
            onServerRunning: { [logger] _ in
                // why: the socket is created with the process umask; only the configured
                // mode (default 0660: owner and group) may connect.
                chmod(socketPath, mode_t(socketMode))
                if let socketGroup { chown(socketPath, uid_t.max, socketGroup) }
                logger.info("listening", metadata: ["transport": "unix", "path": "\(socketPath)"])
                await readiness.listenerUp()
            },
            logger: logger)

        // Order matters: ServiceGroup stops services in reverse, so listeners stop first and
        // the writer last.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: WriterService(writer: database.writer)),
                .init(service: tcpApp),
                .init(service: socketApp),
                // Last, so it is told first: announces the drain before the listeners stop.
                .init(service: ShutdownAnnouncer(notifier: notifier, logger: logger,
                                                 graceMilliseconds: config.server.shutdownGraceMilliseconds)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger)
        // Past the grace period, whatever is still running is cancelled; leases (the engine
        // issue) make that safe.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(config.server.shutdownGraceMilliseconds)
        let group = ServiceGroup(configuration: groupConfiguration)
        notifier.status("starting listeners")
        do {
            try await group.run()
        } catch {
            logger.error("service failed", metadata: ["error": "\(error)"])
            await database.writer.stop()
            try? database.close()
            try? FileManager.default.removeItem(atPath: socketPath)
            throw error
        }
        await database.writer.stop()
        try database.close()
        try? FileManager.default.removeItem(atPath: socketPath)
        logger.info("stopped", metadata: ["database": "closed"])
    }
}

/// Counts listeners that are up and runs `onReady` once all are.
actor ListenerReadiness {
    private let expected: Int
    private var up = 0
    private let onReady: @Sendable () -> Void

    init(expected: Int, onReady: @escaping @Sendable () -> Void) {
        self.expected = expected
        self.onReady = onReady
    }

    func listenerUp() {
        up += 1
        if up == expected { onReady() }
    }
}

/// Logs the start of a graceful shutdown and tells systemd (`STOPPING=1`). Listed last in the
/// group, so it is the first service to hear of the shutdown.
struct ShutdownAnnouncer: Service {
    let notifier: SystemdNotifier
    let logger: Logger
    let graceMilliseconds: Int

    func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping(status: "draining")
        logger.info("shutting down", metadata: ["grace_ms": "\(graceMilliseconds)"])
    }
}
