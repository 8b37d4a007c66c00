import Core
import GRDB

/// The one place agentd writes the status of an execution, a step run or a job.
///
/// Each write names where the row may come `from` and where it goes `to`; the pair is checked
/// against Core's table (`ExecutionStatus`, `StepStatus`, `JobStatus`) before anything is
/// written, and the write is `UPDATE … SET status = :to … WHERE … AND status IN (:from)`, so a
/// row that another transition moved first is not overwritten: the caller gets `.lost` and
/// decides what that means (a stale worker's result is dropped; an execution that already ended
/// is not ended again). `StatusTransitionTests` fails the build's tests if a status is written
/// anywhere else, and migration 27's CHECK constraints refuse a status outside the tables.
///
/// Call these only inside a writer unit (`database.writer.submit`): the `Database` is valid
/// only there.
enum StatusTransitions {
    /// What a conditional status write found.
    enum Result: Equatable {
        /// This many rows moved.
        case moved(Int)
        /// No row was in a `from` state: another transition won, or the row is gone.
        case lost

        var didMove: Bool { if case .moved = self { true } else { false } }
    }

    /// A column written with a status change.
    struct Assignment {
        let sql: String
        let value: (any DatabaseValueConvertible)?

        /// `column = value`.
        static func set(_ column: String, _ value: (any DatabaseValueConvertible)?) -> Assignment {
            Assignment(sql: "\(column) = ?", value: value)
        }

        /// `column = coalesce(column, value)`: the first value sticks (a step's first start).
        static func keepFirst(_ column: String, _ value: (any DatabaseValueConvertible)?) -> Assignment {
            Assignment(sql: "\(column) = coalesce(\(column), ?)", value: value)
        }
    }

    /// Moves one execution.
    @discardableResult
    static func execution(_ id: String, from: Set<ExecutionStatus>, to: ExecutionStatus, setting: [Assignment] = [],
                          _ db: Database) throws -> Result {
        try move("execution", keys: [("id", id)], from: from, to: to, setting: setting, db)
    }

    /// Moves one step run, or with `node` nil every step of the execution that is in `from`.
    @discardableResult
    static func step(_ execution: String, node: String?, from: Set<StepStatus>, to: StepStatus, setting: [Assignment] = [],
                     _ db: Database) throws -> Result {
        var keys: [(String, any DatabaseValueConvertible)] = [("execution_id", execution)]
        if let node { keys.append(("node_id", node)) }
        return try move("step_run", keys: keys, from: from, to: to, setting: setting, db)
    }

    /// Moves one schedule (paused, resumed, done).
    @discardableResult
    static func schedule(_ id: String, from: Set<ScheduleStatus>, to: ScheduleStatus, setting: [Assignment] = [],
                         _ db: Database) throws -> Result {
        try move("schedule", keys: [("id", id)], from: from, to: to, setting: setting, db)
    }

    /// Closes one job; with `token`, only while the caller's lease is the job's (fencing).
    @discardableResult
    static func closeJob(_ id: Int64, token: Int?, setting: [Assignment] = [], _ db: Database) throws -> Result {
        var keys: [(String, any DatabaseValueConvertible)] = [("id", id)]
        if let token { keys.append(("lease_token", token)) }
        return try move("job", keys: keys, from: [.open], to: JobStatus.done, setting: setting, db)
    }

    /// Closes every open job of an execution (it ended).
    @discardableResult
    static func closeJobs(ofExecution execution: String, _ db: Database) throws -> Result {
        try move("job", keys: [("execution_id", execution)], from: [JobStatus.open], to: JobStatus.done, setting: [], db)
    }

    private static func move<S: StatusMachine>(_ table: String, keys: [(String, any DatabaseValueConvertible)], from: Set<S>, to: S,
                                               setting: [Assignment], _ db: Database) throws -> Result {
        try S.check(from: from, to: to)
        guard !from.isEmpty else { return .lost }
        // Sorted, so each shape of write is one SQL text and stays a prepared statement.
        let sources = from.map(\.rawValue).sorted()
        let assignments = (["status = ?"] + setting.map(\.sql)).joined(separator: ", ")
        let conditions = (keys.map { "\($0.0) = ?" } + ["status IN (\(sources.map { _ in "?" }.joined(separator: ", ")))"])
            .joined(separator: " AND ")
        var arguments: [(any DatabaseValueConvertible)?] = [to.rawValue]
        arguments += setting.map(\.value)
        arguments += keys.map(\.1)
        arguments += sources
        try db.cachedStatement(sql: "UPDATE \(table) SET \(assignments) WHERE \(conditions)")
            .execute(arguments: StatementArguments(arguments))
        let count = db.changesCount
        return count > 0 ? .moved(count) : .lost
    }
}
