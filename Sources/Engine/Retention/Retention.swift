import Core
import Foundation
import Logging
import Metrics
import Storage
import Synchronization

/// Retention (docs/compliance.md#retention): every `passMilliseconds`, removes what each org's
/// policy says is due — step payloads first, then whole executions — a batch per writer unit,
/// and gives the freed pages back to the file system a few thousand at a time, so the engine's
/// own commits go between its units and the file shrinks. Stops when cancelled; a pass cut short
/// is taken up by the next (what is due is read from the rows, not remembered).
public final class Retention: Sendable {
    public struct Settings: Sendable {
        public var site: RetentionPolicy = .defaults
        public var passMilliseconds: Int64 = Milliseconds.hour
        /// The first pass runs this long after the start (a start is busy enough).
        public var firstPassMilliseconds: Int64 = 60_000
        /// The most executions per writer unit; units shrink below it to stay short
        /// (`RetentionPacing`).
        public var batch = 200
        /// The most pages given back per writer unit (4 KiB each).
        public var pagesPerUnit = 2048
        /// What opening the database did about incremental vacuum, for status.
        public var vacuum: String = "incremental"
        /// `[audit] forward`'s target: audit events it has not received are kept.
        public var auditForwardTarget: String?
        /// Where removed executions are archived (nil: they are not).
        public var archive: ExecutionArchive?

        public init() {}
    }

    let store: RetentionStore
    public let settings: Settings
    let now: @Sendable () -> Instant
    let logger: Logger
    let removedExecutions: Counter
    let removedPayloads: Counter
    let removedAudit: Counter
    let freedBytes: Counter
    /// When the next pass runs, and whether one runs now.
    let schedule = Mutex<(next: Instant?, running: Bool)>((nil, false))

    public init(database: AgentDatabase, audit: AuditLog, settings: Settings, now: @escaping @Sendable () -> Instant, logger: Logger,
                metrics: (any MetricsFactory)? = nil) {
        store = RetentionStore(database: database, audit: audit)
        self.settings = settings
        self.now = now
        self.logger = logger
        let factory = metrics ?? MetricsSystem.factory
        let family = MetricCatalog.retentionRemoved.name
        removedExecutions = Counter(label: family, dimensions: [("kind", "executions")], factory: factory)
        removedPayloads = Counter(label: family, dimensions: [("kind", "step_payloads")], factory: factory)
        removedAudit = Counter(label: family, dimensions: [("kind", "audit_events")], factory: factory)
        freedBytes = Counter(label: MetricCatalog.retentionFreedBytes.name, factory: factory)
    }

    /// Passes until cancelled.
    public func run() async {
        var next = now().adding(milliseconds: settings.firstPassMilliseconds)
        while !Task.isCancelled {
            schedule.withLock { $0.next = next }
            let wait = next.millisecondsSinceEpoch - now().millisecondsSinceEpoch
            if wait > 0 {
                do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
            }
            _ = await pass()
            next = now().adding(milliseconds: settings.passMilliseconds)
        }
    }

    /// One pass over every org; its figures are kept and what it removed is audited.
    @discardableResult
    public func pass() async -> RetentionStore.PassRecord {
        schedule.withLock { $0.running = true }
        defer { schedule.withLock { $0.running = false } }
        var record = RetentionStore.PassRecord(startedAt: now())
        do {
            for org in try await store.orgs() {
                let cutoffs = settings.site.overridden(by: org.override).cutoffs(now: record.startedAt)
                if let cutoff = cutoffs.stepPayloads {
                    try await paced("removing step payloads of \(org.name)", maximum: settings.batch, into: &record.payloadsRemoved,
                                    counter: removedPayloads) { limit in
                        try await self.store.removePayloads(org: org.orgID, finishedBefore: cutoff, keptFrom: cutoffs.executions, limit: limit,
                                                            now: self.now())
                    }
                }
                if let cutoff = cutoffs.executions {
                    try await paced("archiving and removing executions of \(org.name)", maximum: settings.batch, into: &record.executionsRemoved,
                                    counter: removedExecutions) { limit in
                        try await self.store.removeExecutions(org: org.orgID, finishedBefore: cutoff, limit: limit, archive: self.settings.archive,
                                                              now: self.now())
                    }
                }
            }
            if let cutoff = settings.site.cutoffs(now: record.startedAt).audit {
                let period = RetentionPeriod(milliseconds: settings.site.auditMilliseconds).text
                var pacing = RetentionPacing(maximum: 1)
                while !Task.isCancelled {
                    let began = ContinuousClock.now
                    let cut: (removed: Int, through: Int64)?
                    do {
                        cut = try await store.removeAuditStep(olderThan: cutoff, forwardTarget: settings.auditForwardTarget, period: period, now: now())
                    } catch { throw StepFailure(step: "removing audit events", error: error) }
                    guard let cut else { break }
                    record.auditRemoved += cut.removed
                    record.auditThrough = cut.through
                    removedAudit.increment(by: Int64(cut.removed))
                    try await Task.sleep(for: .microseconds(pacing.rest(afterUnitOf: (ContinuousClock.now - began).inMicroseconds)))
                }
            }
            let pageSize = try await store.file().pageSize
            try await paced("giving free pages back", maximum: settings.pagesPerUnit, minimum: 128, first: 256, into: &record.pagesFreed,
                            counter: freedBytes, scale: pageSize) { limit in
                try await self.store.freePages(upTo: limit)
            }
            if record.pagesFreed > 0 {
                do { try await store.checkpoint() } catch { throw StepFailure(step: "checkpointing the write-ahead log", error: error) }
            }
        } catch is CancellationError {
            record.error = "stopped"
        } catch {
            record.error = "\(error)"
            logger.error("retention pass failed; the next pass goes on from what is left", metadata: ["error": "\(error)"])
        }
        record.finishedAt = now()
        do { try await store.record(record) } catch { logger.error("cannot record the retention pass", metadata: ["error": "\(error)"]) }
        if record.executionsRemoved + record.payloadsRemoved + record.auditRemoved > 0 {
            logger.info("retention pass", metadata: ["executions_removed": "\(record.executionsRemoved)",
                                                     "payloads_removed": "\(record.payloadsRemoved)", "audit_removed": "\(record.auditRemoved)",
                                                     "pages_freed": "\(record.pagesFreed)"])
        }
        return record
    }

    /// A pass stopped by a failure, and what it was doing then.
    struct StepFailure: Error, CustomStringConvertible {
        let step: String
        let error: any Error
        var description: String { "\(step): \(error)" }
    }

    /// Runs `unit` (given how many to take) until it takes fewer than asked, pacing it
    /// (`RetentionPacing`), adding what it took to `total` as it goes (a failure keeps the count).
    private func paced(_ step: String, maximum: Int, minimum: Int = 4, first: Int = 8, into total: inout Int, counter: Counter, scale: Int = 1,
                       _ unit: (Int) async throws -> Int) async throws {
        var pacing = RetentionPacing(maximum: maximum, minimum: minimum, first: first)
        var unitsBefore: Int?
        while !Task.isCancelled {
            let limit = pacing.batch
            let began = ContinuousClock.now
            // Units the writer committed since the previous unit began, less that unit itself:
            // the engine's, or anyone's, which retention must leave room for.
            let units = store.writerUnits
            let others = unitsBefore.map { max(0, units - $0 - 1) }
            unitsBefore = units
            let taken: Int
            do { taken = try await unit(limit) } catch { throw StepFailure(step: step, error: error) }
            total += taken
            counter.increment(by: Int64(taken * scale))
            if taken < limit { break }
            try await Task.sleep(for: .microseconds(pacing.rest(afterUnitOf: (ContinuousClock.now - began).inMicroseconds, othersMeanwhile: others)))
        }
    }

    /// What `agentctl status` shows: the file, the policy, what is due, the last and next pass.
    public struct Standing: Sendable {
        public let file: RetentionStore.FileStanding
        public let site: RetentionPolicy
        public let vacuum: String
        public let dueExecutions: Int
        public let duePayloads: Int
        public let lastPass: RetentionStore.PassRecord?
        public let nextPassAt: Instant?
        public let running: Bool
    }

    public func standing() async throws -> Standing {
        let at = now()
        var executions = 0, payloads = 0
        for org in try await store.orgs() {
            let due = try await store.due(org: org.orgID, policy: settings.site.overridden(by: org.override), now: at)
            executions += due.executions
            payloads += due.payloads
        }
        let (next, running) = schedule.withLock { ($0.next, $0.running) }
        return Standing(file: try await store.file(), site: settings.site, vacuum: settings.vacuum, dueExecutions: executions,
                        duePayloads: payloads, lastPass: try await store.lastPass(), nextPassAt: next, running: running)
    }
}
