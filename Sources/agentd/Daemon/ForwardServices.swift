import Engine
import ServiceLifecycle

/// Runs the Sentry forwarder (`[errors] sentry_dsn`) until agentd stops.
struct SentryForwardService: Service {
    let forwarder: SentryForwarder

    func run() async throws {
        await cancelWhenGracefulShutdown { await forwarder.run() }
    }
}

/// Runs the audit forwarder (`[audit] forward`) until agentd stops. Listed after the engine and
/// the listeners: it keeps sending what they audit while they drain.
struct AuditForwardService: Service {
    let forwarder: AuditForwarder

    func run() async throws {
        // why: forwarding stops with the stop signal, not only at cancellation, so the writer
        // (stopped after it) is not asked for more.
        await cancelWhenGracefulShutdown { await forwarder.run() }
    }
}

/// Evaluates alert rules and delivers notifications (`[alerts]`) until agentd stops.
struct AlertingService: Service {
    let alerting: Alerting

    func run() async throws {
        await cancelWhenGracefulShutdown { await alerting.run() }
    }
}

/// Runs retention passes until agentd stops.
struct RetentionService: Service {
    let retention: Retention

    func run() async throws {
        await cancelWhenGracefulShutdown { await retention.run() }
    }
}
