import API
import Core
import Engine
import Foundation
import Hummingbird
import Logging
import Metrics
import Platform
import Prometheus
import AgentSecurity
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
    var logLevel = LogLevelControl(.info)
    /// Loads the configuration again, for `systemctl reload`.
    var reload: (@Sendable () throws -> Config)?

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
        let metricsFactory = MetricsSetup.factory(registry: registry)

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

        // Retention frees pages; a file from before it is rewritten once so it gives them back.
        let vacuum: String
        do {
            switch try database.convertToIncrementalVacuum(largestBytes: Int64(config.retention.convertMaxMegabytes) << 20) {
            case .already:
                vacuum = "incremental"
            case .converted(let milliseconds):
                vacuum = "incremental"
                logger.notice("database rewritten to give freed space back (incremental vacuum)", metadata: ["ms": "\(milliseconds)"])
            case .skipped(let reason):
                vacuum = "none: \(reason)"
                logger.warning("the database file will not shrink after retention", metadata: ["reason": "\(reason)"])
            }
        } catch {
            try? database.close()
            throw DaemonStartError(description: "cannot rewrite the database for incremental vacuum: \(error)")
        }

        guard ChainDigest.prepare() else { throw DaemonStartError(description: "libsodium failed to initialise") }
        let hashKey: [UInt8]
        do {
            hashKey = try HashKeyFile.loadOrCreate(at: config.auth.hashKeyFile ?? Self.siblingHashKey(of: config.database.path))
        } catch {
            throw DaemonStartError(description: "the API key hash key: \(error)")
        }
        let audit = AuditLog(database: database, digest: ChainDigest.sha256,
                             checkpoints: AuditCheckpointing.policy(interval: config.audit.checkpointEvery, hashKey: hashKey, logger: logger))

        // The writer must run before the default org can be ensured; WriterService.run's own
        // start() is then a no-op.
        database.writer.start()
        let masterKeys: [MasterKey]
        let keySource: String
        do {
            (masterKeys, keySource) = try await Self.loadMasterKeys(config: config, devMode: devMode, database: database, now: clock.now())
        } catch {
            await database.writer.stop()
            try? database.close()
            throw DaemonStartError(description: "vault: \(error)")
        }
        if masterKeys.isEmpty {
            logger.notice("vault sealed: secrets are unavailable until `agentctl vault unseal`")
        } else {
            logger.info("vault unsealed", metadata: ["keys": "\(masterKeys.map(\.id).joined(separator: ","))"])
        }
        let defaultOrg: Org
        do {
            defaultOrg = try await OrgStore(database: database, audit: audit).ensureDefault(now: clock.now())
        } catch {
            await database.writer.stop()
            try? database.close()
            throw DaemonStartError(description: "cannot write to the database \(config.database.path): \(error)")
        }

        // Before the API is built: its HTTP clients take the tracer when they are made.
        let tracing: TracingService?
        do {
            tracing = try TracingSetup.start(config.tracing, logger: logger, metrics: metricsFactory)
        } catch {
            await database.writer.stop()
            try? database.close()
            throw DaemonStartError(description: "tracing: \(error)")
        }

        let publicURL = PublicURL(config.server.publicURL)
        let api = try APIWiring(.init(
            config: config, devMode: devMode, database: database, audit: audit, hashKey: hashKey, clock: clock, registry: registry,
            metrics: metricsFactory, masterKeys: masterKeys, keySource: keySource, defaultOrg: defaultOrg.id,
            startedAt: startedAt, startedAtMonotonic: startedMonotonic, vacuum: vacuum, publicURL: publicURL, logger: logger))
        let responder = api.router.buildResponder()
        let engine = api.engine
        // Which executions the search index takes from now on; a change leaves those indexed
        // (or not) before as they are until a rebuild.
        let replaced = try await SearchIndex(database: database).setExecutionIndexing(config.search.executions)
        if replaced != config.search.executions {
            logger.info("search index setting changed; executions that ended before keep their old state until agentctl search --rebuild-index",
                        metadata: ["from": "\(replaced.rawValue)", "to": "\(config.search.executions.rawValue)"])
        }
        // Models declared in agentd.toml: the file wins at every start.
        for declaration in config.models {
            do {
                let outcome = try await api.models.declare(declaration.spec, orgName: declaration.org, now: clock.now())
                if outcome != .unchanged {
                    logger.info("model declared in the config", metadata: ["org": "\(declaration.org)", "model": "\(declaration.spec.name)", "outcome": "\(outcome)"])
                }
            } catch {
                logger.error("cannot apply a model declared in the config; create its org first",
                             metadata: ["org": "\(declaration.org)", "model": "\(declaration.spec.name)", "error": "\(error)"])
            }
        }

        let readiness = Readiness(expected: 3) {
            notifier.ready(status: "serving")
            let elapsed = ContinuousClock.now - startedMonotonic
            let millis = elapsed.inMilliseconds
            logger.info("ready", metadata: ["startup_ms": "\(millis)"])
        }
        let socketPath = config.server.socket
        let (tcpApp, socketApp) = Listeners.make(server: config.server, tcp: tcp, responder: responder,
                                                 readiness: readiness, logger: logger,
                                                 // A port of 0 is known only now: from here on, calls to it are refused.
                                                 onTCPBound: { host, port in
                                                     engine.egress.addListener(host: host, port: port)
                                                     publicURL.listenerBound(host: host, port: port)
                                                 })

        // Every audit event to the site's collector or a file, when configured.
        var forwarding: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let target = config.audit.forward {
            var settings = AuditForwarder.Settings()
            settings.caBundle = config.audit.forwardCABundle ?? config.engine.caBundle
            settings.maxFileBytes = config.audit.forwardMaxMegabytes << 20
            let forwarder = try AuditForwarder(target: target, database: database, settings: settings, now: { clock.now() }, logger: logger,
                                               metrics: metricsFactory)
            forwarding.append(.init(service: AuditForwardService(forwarder: forwarder)))
            logger.info("forwarding the audit log", metadata: ["target": "\(target)"])
        }
        if let dsn = config.errors.sentryDSN {
            var settings = SentryForwarder.Settings()
            settings.caBundle = config.errors.sentryCABundle ?? config.engine.caBundle
            settings.release = AgentdVersion.current
            let forwarder = SentryForwarder(dsn: dsn, database: database, settings: settings, now: { clock.now() }, logger: logger, metrics: metricsFactory)
            forwarding.append(.init(service: SentryForwardService(forwarder: forwarder)))
            logger.info("sending failures to sentry", metadata: ["sentry": "\(dsn.redacted)"])
        }

        // Order matters: ServiceGroup stops services in reverse, so listeners stop first and
        // the writer last.
        var groupConfiguration = ServiceGroupConfiguration(
            // The span exporter first: it stops last and sends the spans the others ended.
            services: (tracing.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + [
                .init(service: WriterService(writer: database.writer)),
            ] + forwarding + [
                // Stops after the engine and the listeners (nothing audits after it), before the writer.
                .init(service: AuditCheckpointService(audit: audit, now: { clock.now() }, logger: logger)),
                // Alerting records and audits; it stops before the audit checkpoint and the writer.
                .init(service: AlertingService(alerting: api.alerting)),
                // Retention removes and audits in writer units; the same.
                .init(service: RetentionService(retention: api.retention)),
                // After the writer (it records outcomes), before the listeners (stops after them).
                .init(service: EngineService(engine: api.engine, vault: api.vault, readiness: readiness, logger: logger)),
                .init(service: tcpApp),
                .init(service: socketApp),
                .init(service: WatchdogService(notifier: notifier, database: database, logger: logger)),
                .init(service: ReloadService(running: config, reload: reload ?? { config }, models: api.models, clock: clock, logLevel: logLevel,
                                             notifier: notifier, logger: logger)),
                // Last, so it is told first: announces the drain before the listeners stop.
                .init(service: ShutdownAnnouncer(notifier: notifier, readiness: readiness, logger: logger,
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

    /// Loads the master keys from their source and checks them against the database. In dev
    /// mode a missing keyring is created; elsewhere it must exist.
    static func loadMasterKeys(config: Config, devMode: Bool, database: AgentDatabase,
                               now: Instant) async throws -> ([MasterKey], String) {
        if config.vault.keySource == "passphrase" {
            // Starts sealed: `agentctl vault unseal` derives the key and checks it.
            return ([], "passphrase (Argon2id)")
        }
        let source: MasterKeySource
        if config.vault.keySource == "credential" {
            guard let directory = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] else {
                throw DaemonStartError(description: "[vault] key_source = credential, but $CREDENTIALS_DIRECTORY is not set "
                    + "(run under systemd with LoadCredentialEncrypted=\(MasterKeySource.credentialName):…)")
            }
            source = .credential(directory: directory)
        } else {
            // Absolute, so messages say exactly where agentd looked.
            source = .keyFile(URL(fileURLWithPath: config.vault.keyFile).standardizedFileURL.path)
        }
        let store = VaultKeyStore(database: database)
        let expected = try await store.expected()
        var keys: [MasterKey]
        if devMode, expected.isEmpty, !FileManager.default.fileExists(atPath: source.path) {
            keys = [try Keyring.create(source.path, id: "mk1")]
        } else {
            keys = try Keyring.load(source.path)
        }
        if expected.isEmpty {
            try await store.register(keys.map { ($0.id, $0.checkValue) }, now: now)
        } else {
            try KeyVerification.verify(keys, expected: expected, source: source.description)
            // A key the source holds but the database does not know yet (added by hand, or a
            // rotation interrupted before it was recorded) gets its check value now.
            let unknown = keys.filter { expected[$0.id] == nil }
            if !unknown.isEmpty { try await store.register(unknown.map { ($0.id, $0.checkValue) }, now: now) }
        }
        return (keys, source.description)
    }

    /// By default the hash key lives beside the database (`auth.key`), in the state directory.
    static func siblingHashKey(of databasePath: String) -> String {
        URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("auth.key").path
    }
}
