import Logging
import Platform
import ServiceLifecycle

/// Logs the start of a graceful shutdown and tells systemd (`STOPPING=1`). Listed last in the
/// group, so it is the first service to hear of the shutdown.
struct ShutdownAnnouncer: Service {
    let notifier: SystemdNotifier
    let readiness: Readiness
    let logger: Logger
    let graceMilliseconds: Int

    func run() async throws {
        try? await gracefulShutdown()
        await readiness.close()
        notifier.stopping(status: "draining")
        logger.info("shutting down", metadata: ["grace_ms": "\(graceMilliseconds)"])
    }
}
