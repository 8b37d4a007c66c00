import Core
import Logging
import AgentSecurity
import ServiceLifecycle
import Storage

/// Keyed checkpoints of the audit chain: the policy the audit log writes them under, and the
/// service that writes the last one at a clean stop.
enum AuditCheckpointing {
    /// Every `interval` events, under a key derived from the hash key (outside the database),
    /// and each one announced to the log after it commits: the journal then holds the chain's
    /// head (count, hash) where someone who rewrites the database file cannot reach it.
    static func policy(interval: Int, hashKey: [UInt8], logger: Logger) -> CheckpointPolicy {
        CheckpointPolicy(interval: interval, mac: CheckpointKey(hashKey: hashKey).mac) { checkpoint in
            // Stable fields (docs/logging.md): AGENTD_AUDIT_CHECKPOINT, AGENTD_AUDIT_COUNT,
            // AGENTD_AUDIT_HEAD_HASH, AGENTD_AUDIT_AT; one MESSAGE_ID for every checkpoint.
            logger.notice("audit checkpoint", metadata: [
                "audit_checkpoint": "\(checkpoint.number)", "audit_count": "\(checkpoint.sequence)",
                "audit_head_hash": "\(checkpoint.headHash)", "audit_at": "\(checkpoint.at.rfc3339)",
            ])
        }
    }
}

/// Writes a checkpoint of the chain's head when agentd stops cleanly, so the whole chain is
/// covered. List it after the writer and before the engine: it stops after everything that
/// may still audit (the engine's drain, the listeners) and before the writer closes.
struct AuditCheckpointService: Service {
    let audit: AuditLog
    let now: @Sendable () -> Instant
    let logger: Logger

    func run() async throws {
        // Cancelled or shut down: either way the work below is the stop.
        try? await gracefulShutdown()
        do {
            try await audit.checkpoint(now: now())
        } catch {
            logger.error("could not write the audit checkpoint at stop", metadata: ["error": "\(error)"])
        }
    }
}
