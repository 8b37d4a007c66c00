import Core
import Foundation
import Logging
import Metrics
import Storage
import Synchronization

/// Alerting (docs/observability.md#alerts): a loop that evaluates every rule on a schedule and
/// writes what changed, and a loop that sends the outbox to the channels with retries, backoff and
/// a breaker per channel. Both stop when cancelled; a restart goes on from the stored state.
public final class Alerting: Sendable {
    public struct Settings: Sendable {
        /// How often every rule is evaluated.
        public var evaluateMilliseconds: Int64 = 15_000
        /// How often the outbox is looked at.
        public var deliveryPollMilliseconds: Int64 = 500
        /// Tries per notification before its channel is marked down.
        public var deliveryAttempts = 5
        /// The first retry's wait; doubled each time, up to `maximumBackoffMilliseconds`.
        public var retryBaseMilliseconds: Int64 = 2000
        public var maximumBackoffMilliseconds: Int64 = 300_000
        public var timeoutSeconds: Int64 = 15
        public var caBundle: String?
        /// Sent and given-up deliveries are kept this long.
        public var keepDeliveriesMilliseconds = 30 * Milliseconds.day
        public var breaker = CircuitBreaker.Settings(failureThreshold: 5, windowMs: 60_000, openMs: 30_000)

        public init() {}
    }

    let book: AlertBook
    let outbox: AlertOutbox
    let sender: AlertSender
    let signals: SiteSignals
    let settings: Settings
    let now: @Sendable () -> Instant
    let logger: Logger
    let breakers: Mutex<[String: CircuitBreaker]>
    let evaluations: Timer
    let sent: Counter
    let failed: Counter
    /// When the last round ended and how long it took, for `agentctl status`.
    let lastRound = Mutex<(at: Instant, micros: Int64)?>(nil)

    public init(database: AgentDatabase, audit: AuditLog, engine: Engine, signals: SiteSignals, settings: Settings,
                now: @escaping @Sendable () -> Instant, logger: Logger, metrics: (any MetricsFactory)? = nil) {
        book = AlertBook(database: database, audit: audit)
        outbox = AlertOutbox(database: database, audit: audit)
        sender = AlertSender(http: engine.http, secrets: engine.secretSource, caBundle: settings.caBundle,
                             source: ProcessInfo.processInfo.hostName, timeoutSeconds: settings.timeoutSeconds)
        self.signals = signals
        self.settings = settings
        self.now = now
        self.logger = logger
        breakers = Mutex([:])
        let factory = metrics ?? MetricsSystem.factory
        evaluations = Timer(label: MetricCatalog.alertEvaluation.name, factory: factory)
        sent = Counter(label: MetricCatalog.alertsDelivered.name, dimensions: [("result", "sent")], factory: factory)
        failed = Counter(label: MetricCatalog.alertsDelivered.name, dimensions: [("result", "failed")], factory: factory)
    }

    /// Runs both loops until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.evaluateForever() }
            group.addTask { await self.deliverForever() }
        }
    }

    func evaluateForever() async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await evaluate()
                if failing { logger.notice("alert evaluation works again") }
                failing = false
            } catch is CancellationError {
                return
            } catch {
                if !failing { logger.error("alert evaluation failed; trying again next round", metadata: ["error": "\(error)"]) }
                failing = true
            }
            try? await Task.sleep(for: .milliseconds(settings.evaluateMilliseconds))
        }
    }

    /// One round over every rule; returns how many notifications it queued.
    @discardableResult
    public func evaluate() async throws -> Int {
        let started = ContinuousClock.now
        let at = now()
        let (rules, measures) = try await book.load(now: at)
        let site = siteValues(for: rules)
        let round = AlertRound(rules: rules, measures: measures, site: { site[$0] ?? [:] }, now: at)
        try await book.record(updates: round.updates, changes: round.changes, notifications: round.notifications, now: at)
        for change in round.changes where change.change == .firing || change.change == .resolved {
            logger.notice("alert \(change.change.rawValue)", metadata: ["org": "\(change.org)", "rule": "\(change.rule)",
                                                                       "subject": "\(change.subject)", "value": "\(change.value)"])
        }
        let micros = (ContinuousClock.now - started).inMicroseconds
        evaluations.recordNanoseconds(micros * 1000)
        lastRound.withLock { $0 = (at, micros) }
        return round.notifications.count
    }

    /// The installation's values, read once per round and per window.
    func siteValues(for rules: [AlertBook.Rule]) -> [Int64: [String: Double]] {
        var values: [Int64: [String: Double]] = [:]
        for rule in rules where rule.record.expression.kind.isInstallationWide {
            let expression = rule.record.expression
            let window = expression.windowMilliseconds
            guard values[window]?[expression.kind.rawValue] == nil else { continue }
            let value: Double? = switch expression.kind {
            case .apiLatencyP99: signals.apiLatencyP99(window)
            case .writerStall: signals.writerStallSeconds()
            case .vaultSealed: signals.vaultSealed() ? 1 : 0
            case .diskFree: signals.diskFree()
            case .failureRate, .consecutiveFailures, .budgetUsed, .queueDepth: nil
            }
            if let value { values[window, default: [:]][expression.kind.rawValue] = value }
        }
        return values
    }

    func deliverForever() async {
        var lastPrune = now()
        while !Task.isCancelled {
            do {
                let batch = try await outbox.due(now: now(), limit: 20)
                for delivery in batch { await deliver(delivery) }
                if now().millisecondsSinceEpoch - lastPrune.millisecondsSinceEpoch > Milliseconds.hour {
                    lastPrune = now()
                    _ = try await outbox.prune(before: lastPrune.adding(milliseconds: -settings.keepDeliveriesMilliseconds))
                }
                if !batch.isEmpty { continue }
            } catch is CancellationError {
                return
            } catch {
                logger.error("alert delivery cannot read its outbox", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(settings.deliveryPollMilliseconds))
        }
    }

    /// Sends one delivery and records the outcome: sent, retried after a backoff, or given up
    /// (the channel is marked down and the org's other channels are told).
    func deliver(_ delivery: AlertOutbox.Delivery) async {
        let key = "\(delivery.org.rawValue)/\(delivery.channel)"
        let allowed = breakers.withLock { breakers in
            var breaker = breakers[key] ?? CircuitBreaker(settings: settings.breaker)
            defer { breakers[key] = breaker }
            return breaker.allow(at: now())
        }
        var failure: String?
        if allowed {
            do {
                try await sender.send(delivery.notification, config: delivery.config, org: delivery.org)
            } catch {
                failure = "\(error)"
            }
            let at = now()
            breakers.withLock { breakers in
                if failure == nil { breakers[key]?.recordSuccess(at: at) } else { breakers[key]?.recordFailure(at: at) }
            }
        } else {
            failure = "the channel's breaker is open after repeated failures"
        }
        do {
            guard let failure else {
                sent.increment()
                try await outbox.sent(delivery, now: now())
                return
            }
            failed.increment()
            let attempt = delivery.attempts + 1
            let retryAt: Instant? = attempt < settings.deliveryAttempts
                ? now().adding(milliseconds: min(settings.retryBaseMilliseconds << min(attempt - 1, 20), settings.maximumBackoffMilliseconds)) : nil
            if retryAt == nil {
                logger.warning("alert channel gave up a notification; telling the org's other channels",
                               metadata: ["org": "\(delivery.org)", "channel": "\(delivery.channel)", "rule": "\(delivery.notification.rule)",
                                          "attempts": "\(attempt)", "error": "\(failure)"])
            }
            try await outbox.failed(delivery, error: failure, retryAt: retryAt, now: now())
        } catch {
            logger.error("alert delivery outcome not recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    /// Sends a test notification now, past the outbox (`agentctl alerts channels test`): the
    /// error, if the channel refuses it.
    public func test(_ channel: AlertChannelRecord, orgName: String, actor: String) async -> String? {
        let at = now()
        let notification = AlertNotification(org: orgName, rule: "test", severity: .info, notice: .test, expression: "a test sent by \(actor)",
                                             instances: [.init(subject: "", value: 1, since: at)], at: at)
        do {
            try await sender.send(notification, config: channel.config, org: channel.orgID)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// When the last round ran and took how long (µs).
    public var lastEvaluation: (at: Instant, micros: Int64)? { lastRound.withLock { $0 } }
}
