import Core
import Logging
import Platform
import ServiceLifecycle
import Storage

/// Keeps systemd's watchdog fed (`WatchdogSec=`) at half its interval — but only while the
/// database answers: a daemon whose storage hangs stops petting it and is restarted.
struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let database: AgentDatabase
    let logger: Logger

    func run() async throws {
        guard let interval = notifier.watchdogInterval() else {
            try? await gracefulShutdown()
            return
        }
        logger.info("watchdog enabled", metadata: ["interval_ms": "\(interval.inMilliseconds)"])
        while !Task.isShuttingDownGracefully {
            if (try? await database.ping()) != nil {
                notifier.watchdog()
            } else {
                logger.error("database does not answer; not feeding the watchdog")
            }
            // A shutdown must not wait out the sleep: services stop one after another.
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval / 2) })) != nil else { return }
        }
    }
}
