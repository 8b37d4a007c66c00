import Engine
import Logging
import ServiceLifecycle

/// Runs the execution engine for the life of the daemon: recovery and workers at start; at
/// shutdown, workers stop taking jobs and running steps are cancelled (their jobs stay open
/// and are taken over at the next start).
struct EngineService: Service {
    let engine: Engine
    let logger: Logger

    func run() async throws {
        try await engine.start()
        logger.info("engine started")
        try? await gracefulShutdown()
        await engine.stop()
        logger.info("engine stopped")
    }
}
