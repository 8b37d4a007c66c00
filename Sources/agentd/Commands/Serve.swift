import ArgumentParser
import Foundation
import Logging
import Platform

/// `agentd serve` (the default command): runs the daemon until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: the API on TCP and on the Unix socket."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Override server.listen (host:port; port 0 picks a free port).")
    var listen: String?

    @Option(help: "Override server.socket.")
    var socket: String?

    @Option(help: "Override database.path.")
    var database: String?

    func run() async throws {
        let config: Config
        do {
            var loaded = try options.load()
            let overrides: [(String, String, String?)] = [("server", "listen", listen), ("server", "socket", socket),
                                                          ("database", "path", database)]
            for (section, name, value) in overrides {
                if let value, let key = ConfigKeys.key(section: section, name: name) {
                    try key.apply(.text(value), &loaded)
                }
            }
            config = loaded
        } catch {
            FileHandle.standardError.write(Data("error: configuration: \(error.description)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        // why: the database and the socket are created by this process; nobody outside the
        // service's user and group may read them (the socket's mode is then set explicitly).
        umask(0o027)
        // why: a core dump would write master keys and secret values to disk; refuse them.
        let dumpsDisabled = ProcessHardening.disableCoreDumps()
        let level = LogLevelControl(Logger.Level(rawValue: config.log.level) ?? .info, maskPersonalData: config.privacy.maskLogs)
        // Under systemd (stderr is the journal) events go to the journal as fields; otherwise
        // one logfmt line each on stderr.
        let useJournal = config.log.format == "journal" || (config.log.format == "auto" && JournalSink.standardErrorIsJournal())
        if useJournal, let sink = JournalSink(path: config.log.journalSocket) {
            LoggingSystem.bootstrap { label in JournalLogHandler(label: label, control: level, sink: sink) }
        } else {
            LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, control: level) }
        }
        let logger = Logger(label: "agentd")
        if !dumpsDisabled { logger.warning("could not disable core dumps; secrets may reach a dump") }
        if !options.dev && options.config == nil && !FileManager.default.fileExists(atPath: ConfigOptions.defaultFile) {
            logger.notice("no configuration file; using defaults", metadata: ["file": "\(ConfigOptions.defaultFile)"])
        }
        do {
            let options = self.options, listen = self.listen, socket = self.socket, database = self.database
            let reload: @Sendable () throws -> Config = {
                var loaded = try options.load()
                for (section, name, value) in [("server", "listen", listen), ("server", "socket", socket), ("database", "path", database)] {
                    if let value, let key = ConfigKeys.key(section: section, name: name) { try key.apply(.text(value), &loaded) }
                }
                return loaded
            }
            try await Daemon(config: config, devMode: options.dev, logger: logger, logLevel: level, reload: reload).run()
        } catch let error as DaemonStartError {
            logger.critical("agentd cannot start", metadata: ["reason": "\(error.description)"])
            throw ExitCode(1)
        }
    }
}

