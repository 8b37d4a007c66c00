import Core
import GRDB

/// The one place agentd writes the status of an execution, a step run or a job.
///
/// Each write names where the row may come `from` and where it goes `to`; the pair is checked
/// against Core's table (`ExecutionStatus`, `StepStatus`, `JobStatus`) before anything is
/// written, and the write is `UPDATE … SET status = :to … WHERE … AND (status = :from OR …)`, so a
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
        let column: String
        /// `coalesce(column, ?)` instead of `?`: the first value sticks.
        let keepsFirst: Bool
        let value: (any DatabaseValueConvertible)?

        /// `column = value`.
        static func set(_ column: String, _ value: (any DatabaseValueConvertible)?) -> Assignment {
            Assignment(column: column, keepsFirst: false, value: value)
        }

        /// `column = coalesce(column, value)`: the first value sticks (a step's first start).
        static func keepFirst(_ column: String, _ value: (any DatabaseValueConvertible)?) -> Assignment {
            Assignment(column: column, keepsFirst: true, value: value)
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

    /// Ends one approval request (decided, expired, cancelled): once, from pending.
    @discardableResult
    static func approval(_ id: String, to: ApprovalStatus, setting: [Assignment] = [], _ db: Database) throws -> Result {
        try move("approval", keys: [("id", id)], from: [.pending], to: to, setting: setting, db)
    }

    /// Ends one change request (approved and carried out, or rejected): once, from pending.
    @discardableResult
    static func change(_ id: String, to: ApprovalStatus, setting: [Assignment] = [], _ db: Database) throws -> Result {
        try move("change_request", keys: [("id", id)], from: [.pending], to: to, setting: setting, db)
    }

    /// Cancels the open approval requests of an execution (it ended).
    @discardableResult
    static func approvals(ofExecution execution: String, to: ApprovalStatus, setting: [Assignment] = [], _ db: Database) throws -> Result {
        try move("approval", keys: [("execution_id", execution)], from: [.pending], to: to, setting: setting, db)
    }

    /// Closes a step's open jobs of one purpose (an approval's expiry, once it is decided).
    @discardableResult
    static func closeJobs(ofStep execution: String, node: String, purpose: JobTicket.Purpose, _ db: Database) throws -> Result {
        try move("job", keys: [("execution_id", execution), ("node_id", node), ("purpose", purpose.rawValue)], from: [JobStatus.open],
                 to: JobStatus.done, setting: [], db)
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

    // why plain loops, appends and inlined states: this runs several times per step on the
    // writer thread, and the generic helpers it replaced (key paths over `S`, `joined`, GRDB's
    // `StatementArguments(_: some Sequence)` called from outside its module) cost more than the
    // UPDATE itself (engine-bench, perf). The states are Core's enum cases (lowercase words), so
    // they are written into the SQL as literals, as a partial index's `WHERE status = 'open'`
    // needs them to be; only the keys and the assigned values are bound.
    private static func move<S: StatusMachine>(_ table: String, keys: [(String, any DatabaseValueConvertible)], from: Set<S>, to: S,
                                               setting: [Assignment], _ db: Database) throws -> Result {
        var sources: [String] = []
        sources.reserveCapacity(from.count)
        for state in from {
            guard state.canMove(to: to) else { try S.check(from: from, to: to); return .lost }
            sources.append(state.rawValue)
        }
        guard !sources.isEmpty else { return .lost }
        // Sorted, so each shape of write is one SQL text and stays a prepared statement.
        sources.sort()
        var sql = "UPDATE "
        sql.reserveCapacity(200)
        sql += table
        sql += " SET status = '"
        sql += to.rawValue
        sql += "'"
        var values: [(any DatabaseValueConvertible)?] = []
        values.reserveCapacity(setting.count + keys.count)
        for assignment in setting {
            sql += ", "
            sql += assignment.column
            if assignment.keepsFirst {
                sql += " = coalesce("
                sql += assignment.column
                sql += ", ?)"
            } else {
                sql += " = ?"
            }
            values.append(assignment.value)
        }
        sql += " WHERE "
        for (column, value) in keys {
            sql += column
            sql += " = ? AND "
            values.append(value)
        }
        // why `=` … OR and not IN: SQLite evaluates an IN list of more than two constants through
        // a temporary b-tree built at each statement (migration 31).
        sql += "("
        for (index, source) in sources.enumerated() {
            if index > 0 { sql += " OR " }
            sql += "status = '"
            sql += source
            sql += "'"
        }
        sql += ")"
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments.bound(values))
        let count = db.changesCount
        return count > 0 ? .moved(count) : .lost
    }
}

extension StatementArguments {
    /// Arguments from an array built at run time. why: GRDB's `init(_: some Sequence)` is not
    /// inlinable, so from this module it runs unspecialised (about 1 µs for a few values); its
    /// array literal is specialised inside GRDB. Short arrays, the hot paths' case, take that way.
    static func bound(_ values: [(any DatabaseValueConvertible)?]) -> StatementArguments {
        switch values.count {
        case 0: []
        case 1: [values[0]]
        case 2: [values[0], values[1]]
        case 3: [values[0], values[1], values[2]]
        case 4: [values[0], values[1], values[2], values[3]]
        case 5: [values[0], values[1], values[2], values[3], values[4]]
        case 6: [values[0], values[1], values[2], values[3], values[4], values[5]]
        default: StatementArguments(values)
        }
    }
}
