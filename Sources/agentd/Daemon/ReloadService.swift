import API
import Logging
import Platform
import ServiceLifecycle
import Storage
import UnixSignals

/// `systemctl reload agentd` (SIGHUP): re-reads the configuration. What can change while
/// running changes — the log level, the models declared in the file — and every other section
/// that differs is named as needing a restart. A file that does not load changes nothing.
struct ReloadService: Service {
    let running: Config
    let reload: @Sendable () throws -> Config
    let models: ModelStore
    let clock: WallClock
    let logLevel: LogLevelControl
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        var current = running
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.send("RELOADING=1\nSTATUS=reloading the configuration")
            defer { notifier.ready(status: "serving") }
            let next: Config
            do { next = try reload() } catch {
                logger.error("reload refused: the configuration does not load; nothing changed", metadata: ["error": "\(error)"])
                continue
            }
            var applied: [String] = []
            if next.log.level != current.log.level, let level = Logger.Level(rawValue: next.log.level) {
                logLevel.level = level
                applied.append("log.level")
            }
            if next.privacy.maskLogs != current.privacy.maskLogs {
                logLevel.masksPersonalData = next.privacy.maskLogs
                applied.append("privacy.mask_logs")
            }
            if next.models != current.models {
                var failed = false
                for declaration in next.models {
                    do {
                        _ = try await models.declare(declaration.spec, orgName: declaration.org, now: clock.now())
                    } catch {
                        failed = true
                        logger.error("cannot apply a model declared in the config; create its org first",
                                     metadata: ["org": "\(declaration.org)", "model": "\(declaration.spec.name)", "error": "\(error)"])
                    }
                }
                if !failed { applied.append("models") }
            }
            let restart = Self.sectionsNeedingRestart(current, next)
            logger.notice("configuration reloaded", metadata: ["applied": "\(applied.isEmpty ? "nothing" : applied.joined(separator: ","))",
                                                               "restart_needed_for": "\(restart.isEmpty ? "nothing" : restart.joined(separator: ","))"])
            var kept = next
            // What needs a restart keeps running as it was until then.
            kept.server = current.server
            kept.database = current.database
            kept.writer = current.writer
            kept.auth = current.auth
            kept.limits = current.limits
            kept.vault = current.vault
            kept.engine = current.engine
            kept.backup = current.backup
            kept.log.format = current.log.format
            kept.log.journalSocket = current.log.journalSocket
            current = kept
        }
    }

    static func sectionsNeedingRestart(_ old: Config, _ new: Config) -> [String] {
        var sections: [String] = []
        if old.server != new.server { sections.append("server") }
        if old.database != new.database { sections.append("database") }
        if old.writer != new.writer { sections.append("writer") }
        if old.auth != new.auth { sections.append("auth") }
        if old.limits != new.limits { sections.append("limits") }
        if old.vault != new.vault { sections.append("vault") }
        if old.engine != new.engine { sections.append("engine") }
        if old.backup != new.backup { sections.append("backup") }
        if old.search != new.search { sections.append("search") }
        if old.log.format != new.log.format || old.log.journalSocket != new.log.journalSocket { sections.append("log.format") }
        return sections
    }
}
