import Core
import Foundation
import GRDB
import Metrics
import Synchronization

/// The one path by which agentd writes to its database, with group commit.
///
/// Callers submit units of work and await their own result. One thread takes queued units in
/// batches (up to `maxBatch` units, waiting at most `batchWindow` for more once the first has
/// arrived), runs the batch in one `IMMEDIATE` transaction with each unit in its own savepoint,
/// commits once, and then resumes each caller:
///
/// - a unit that throws rolls back its own savepoint only; its caller gets the error and the
///   other units of the batch commit;
/// - if the commit itself fails, every caller of the batch gets that error and nothing was written;
/// - a caller is resumed only after the transaction holding its unit has committed, so whatever
///   it does next (dispatch a job, answer a request) sees durable state.
///
/// Because only this thread writes, no caller in the process ever waits on SQLite's write lock
/// or sees `SQLITE_BUSY`. Readers use the pool's read connections and never block the writer.
///
/// Rules for units: a unit runs on the writer thread while other callers wait, so it does
/// database work only — no network, no sleeping, no awaiting, no effects outside the database.
/// It may run more than once before its transaction commits (see `runBatch`), so it must
/// depend only on the database and on values it captured. The `Database` it is given is valid
/// only during the call.
///
/// ```swift
/// let org = try await writer.submit { db in try OrgRecord.insert(...) }
/// ```
public final class Writer: Sendable {
    public struct Options: Sendable, Hashable {
        /// The most units in one transaction.
        public var maxBatch: Int
        /// How long the writer waits for more units after the first one of a batch arrives.
        /// Zero means: take what is queued and commit at once (batches still form while a
        /// commit is in progress).
        public var batchWindow: Duration

        public init(maxBatch: Int = 256, batchWindow: Duration = .microseconds(0)) {
            self.maxBatch = max(1, maxBatch)
            self.batchWindow = batchWindow
        }
    }

    private let database: DatabasePool
    private let options: Options
    private let queue: UnitQueue
    private let statistics: WriterStatisticsRecorder
    private let stoppedSignal = StoppedSignal()
    private let started = StartedFlag()
    /// When the batch in progress began (nil between batches), for `stallSeconds`.
    private let busySince = Mutex<ContinuousClock.Instant?>(nil)

    public init(database: DatabasePool, options: Options = Options(), metrics: (any MetricsFactory)? = nil) {
        self.database = database
        self.options = options
        self.queue = UnitQueue()
        self.statistics = WriterStatisticsRecorder(factory: metrics)
    }

    /// Starts the writer thread. Calls after the first do nothing.
    public func start() {
        guard started.markStarted() else { return }
        let thread = Thread { [self] in self.loop() }
        thread.name = "agentd-writer"
        thread.start()
    }

    /// Stops taking new units, commits every unit already queued, and returns when the writer
    /// thread has finished. Units submitted after this call fail with `StorageError.writerStopped`.
    public func stop() async {
        queue.close()
        if started.wasStarted { await stoppedSignal.wait() } else { queue.failAll() }
    }

    /// True from `start()` until `stop()` is called.
    public var isRunning: Bool { started.wasStarted && !queue.isClosed }

    /// Runs `body` inside the next group commit and returns its result once committed.
    public func submit<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        // why unsafe: the writer resumes every unit exactly once (after its batch), and the
        // checked variant's bookkeeping shows up on the hot path.
        try await withUnsafeThrowingContinuation { continuation in
            let unit = Unit(body: body, continuation: continuation)
            if !queue.push(unit) {
                continuation.resume(throwing: StorageError.writerStopped)
            }
        }
    }

    /// Units waiting for the writer thread right now.
    public var queueDepth: Int { queue.count }

    /// How long the batch in progress has run, in seconds (0 between batches): a disk that
    /// stops answering shows here first (the `writer_stall` alert rule).
    public var stallSeconds: Double {
        guard let since = busySince.withLock({ $0 }) else { return 0 }
        let elapsed = ContinuousClock.now - since
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Counters and histograms since start, for `agentctl status` and `/metrics`.
    public var currentStatistics: WriterStatistics { statistics.snapshot }

    // MARK: - The writer thread

    private func loop() {
        while let batch = queue.nextBatch(max: options.maxBatch, window: options.batchWindow) {
            busySince.withLock { $0 = .now }
            runBatch(batch)
            busySince.withLock { $0 = nil }
        }
        stoppedSignal.fire()
    }

    /// Runs a batch optimistically: every unit in one transaction with no savepoints (the
    /// common case, and the cheapest). If a unit throws, that transaction is rolled back whole
    /// and the batch runs again with each unit in its own savepoint, so only the failing units
    /// fail. A batch of one needs no second pass: its failure is its own.
    private func runBatch(_ batch: [any PendingUnit]) {
        let started = ContinuousClock.now
        var failedUnits = 0
        do {
            do {
                try runTogether(batch)
            } catch let failure as UnitFailure {
                if batch.count == 1 {
                    batch[0].fail(failure.error)
                    failedUnits = 1
                    statistics.recordCommit(units: 1, failedUnits: 1, duration: ContinuousClock.now - started)
                    batch[0].resume()
                    return
                }
                failedUnits = try runIsolated(batch)
            }
        } catch {
            for unit in batch { unit.fail(error) }
            statistics.recordFailedCommit(units: batch.count)
            for unit in batch { unit.resume() }
            return
        }
        statistics.recordCommit(units: batch.count, failedUnits: failedUnits,
                                duration: ContinuousClock.now - started)
        for unit in batch { unit.resume() }
    }

    /// First pass: one transaction, no savepoints. A unit's error aborts it as `UnitFailure`.
    private func runTogether(_ batch: [any PendingUnit]) throws {
        try database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                for unit in batch {
                    do { try unit.run(db) } catch { throw UnitFailure(error: error) }
                }
                return .commit
            }
        }
    }

    /// Second pass: one transaction, each unit in its own savepoint. Returns how many failed.
    private func runIsolated(_ batch: [any PendingUnit]) throws -> Int {
        var failedUnits = 0
        try database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                for unit in batch {
                    try UnitSavepoint.run(in: db) { try unit.run(db) } onFailure: { error in
                        unit.fail(error)
                        failedUnits += 1
                    }
                }
                return .commit
            }
        }
        return failedUnits
    }

}

/// A unit's own error, raised out of the optimistic first pass to trigger the isolated pass.
struct UnitFailure: Error {
    let error: any Error
}

/// A unit waiting in the queue or running on the writer thread.
protocol PendingUnit: AnyObject, Sendable {
    /// Runs the unit's body and keeps its result (called on the writer thread, once).
    func run(_ db: Database) throws
    /// Records a failure: the body's own error, or the batch's commit error.
    func fail(_ error: any Error)
    /// Resumes the caller with what was recorded (after the commit or its failure).
    func resume()
}

/// why @unchecked: `outcome` is written and read only on the writer thread, between the unit
/// being taken from the queue and `resume()`; the queue's lock orders the hand-over.
final class Unit<T: Sendable>: PendingUnit, @unchecked Sendable {
    private let body: @Sendable (Database) throws -> T
    private let continuation: UnsafeContinuation<T, any Error>
    private var outcome: Result<T, any Error>?

    init(body: @escaping @Sendable (Database) throws -> T, continuation: UnsafeContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ db: Database) throws {
        let value = try body(db)
        outcome = .success(value)
    }

    func fail(_ error: any Error) { outcome = .failure(error) }

    func resume() {
        continuation.resume(with: outcome ?? .failure(StorageError.writerStopped))
    }
}
