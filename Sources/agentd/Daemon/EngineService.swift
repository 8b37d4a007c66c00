import Engine
import Logging
import AgentSecurity
import ServiceLifecycle

/// Runs the execution engine for the life of the daemon: recovery and workers at start; at
/// shutdown, workers stop taking jobs and running steps are cancelled (their jobs stay open
/// and are taken over at the next start).
struct EngineService: Service {
    let engine: Engine
    let vault: Vault
    let readiness: Readiness
    let logger: Logger

    func run() async throws {
        // A sealed vault (passphrase key source) keeps the workers from starting: steps could
        // not read their secrets. The API answers meanwhile; `agentctl vault unseal` opens it.
        // Ready either way: unsealing needs the API.
        let sealed = vault.isSealed
        if sealed {
            logger.notice("engine waits for the vault to be unsealed")
            await readiness.partUp()
            while vault.isSealed {
                guard (try? await Task.sleep(for: .milliseconds(200))) != nil, !Task.isShuttingDownGracefully else {
                    await engine.stop()  // never started; this releases its HTTP client
                    return
                }
            }
        }
        try await engine.start()
        logger.info("engine started")
        if !sealed { await readiness.partUp() }
        try? await gracefulShutdown()
        await engine.stop()
        logger.info("engine stopped")
    }
}
