import Core
import Foundation
import Metrics

/// What the writer has done since start: shown by `agentctl status`, exported on `/metrics`.
public struct WriterStatistics: Sendable, Hashable, Codable {
    /// Transactions committed.
    public var commits: Int = 0
    /// Transactions whose commit failed (every unit in them failed).
    public var failedCommits: Int = 0
    /// Units committed, and units that failed on their own (their savepoint rolled back).
    public var units: Int = 0
    public var failedUnits: Int = 0
    /// The largest batch so far.
    public var maxBatch: Int = 0
    /// Mean units per transaction (committed or not).
    public var meanBatch: Double {
        commits + failedCommits == 0 ? 0 : Double(units + failedUnits) / Double(commits + failedCommits)
    }
    /// Mean and worst time from BEGIN to the end of COMMIT, in microseconds.
    public var totalCommitMicros: Int64 = 0
    public var maxCommitMicros: Int64 = 0
    public var meanCommitMicros: Double { commits == 0 ? 0 : Double(totalCommitMicros) / Double(commits) }

    enum CodingKeys: String, CodingKey {
        case commits, failedCommits = "failed_commits", units, failedUnits = "failed_units",
             maxBatch = "max_batch", totalCommitMicros = "total_commit_micros", maxCommitMicros = "max_commit_micros"
        case meanBatch = "mean_batch", meanCommitMicros = "mean_commit_micros"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        commits = try c.decode(Int.self, forKey: .commits)
        failedCommits = try c.decode(Int.self, forKey: .failedCommits)
        units = try c.decode(Int.self, forKey: .units)
        failedUnits = try c.decode(Int.self, forKey: .failedUnits)
        maxBatch = try c.decode(Int.self, forKey: .maxBatch)
        totalCommitMicros = try c.decode(Int64.self, forKey: .totalCommitMicros)
        maxCommitMicros = try c.decode(Int64.self, forKey: .maxCommitMicros)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(commits, forKey: .commits)
        try c.encode(failedCommits, forKey: .failedCommits)
        try c.encode(units, forKey: .units)
        try c.encode(failedUnits, forKey: .failedUnits)
        try c.encode(maxBatch, forKey: .maxBatch)
        try c.encode(meanBatch, forKey: .meanBatch)
        try c.encode(totalCommitMicros, forKey: .totalCommitMicros)
        try c.encode(maxCommitMicros, forKey: .maxCommitMicros)
        try c.encode(meanCommitMicros, forKey: .meanCommitMicros)
    }
}

/// Keeps `WriterStatistics` and feeds the metrics backend, if one is given.
///
/// Metric families: `MetricCatalog.writerBatchUnits`, `.writerCommitDuration`, `.writerUnits`
/// (`result` = `committed` | `failed`) and `.writerCommits` (`result` = `ok` | `failed`).
///
/// why @unchecked: `value` is guarded by `lock`; the metric handles are thread-safe.
final class WriterStatisticsRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var value = WriterStatistics()
    private let batchSize: Recorder?
    private let commitTime: Metrics.Timer?
    private let unitsCommitted: Counter?
    private let unitsFailed: Counter?
    private let commitsOK: Counter?
    private let commitsFailed: Counter?

    static let batchLabel = MetricCatalog.writerBatchUnits.name
    static let commitLabel = MetricCatalog.writerCommitDuration.name

    init(factory: (any MetricsFactory)?) {
        guard let factory else {
            batchSize = nil; commitTime = nil; unitsCommitted = nil; unitsFailed = nil
            commitsOK = nil; commitsFailed = nil
            return
        }
        batchSize = Recorder(label: Self.batchLabel, dimensions: [], aggregate: true, factory: factory)
        commitTime = Metrics.Timer(label: Self.commitLabel, dimensions: [], factory: factory)
        unitsCommitted = Counter(label: MetricCatalog.writerUnits.name, dimensions: [("result", "committed")], factory: factory)
        unitsFailed = Counter(label: MetricCatalog.writerUnits.name, dimensions: [("result", "failed")], factory: factory)
        commitsOK = Counter(label: MetricCatalog.writerCommits.name, dimensions: [("result", "ok")], factory: factory)
        commitsFailed = Counter(label: MetricCatalog.writerCommits.name, dimensions: [("result", "failed")], factory: factory)
    }

    func recordCommit(units: Int, failedUnits: Int, duration: Duration) {
        let micros = duration.inMicroseconds
        lock.lock()
        value.commits += 1
        value.units += units - failedUnits
        value.failedUnits += failedUnits
        value.maxBatch = max(value.maxBatch, units)
        value.totalCommitMicros += micros
        value.maxCommitMicros = max(value.maxCommitMicros, micros)
        lock.unlock()
        batchSize?.record(units)
        commitTime?.recordNanoseconds(micros * 1000)
        unitsCommitted?.increment(by: units - failedUnits)
        if failedUnits > 0 { unitsFailed?.increment(by: failedUnits) }
        commitsOK?.increment()
    }

    func recordFailedCommit(units: Int) {
        lock.lock()
        value.failedCommits += 1
        value.failedUnits += units
        lock.unlock()
        unitsFailed?.increment(by: units)
        commitsFailed?.increment()
    }

    var snapshot: WriterStatistics {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
