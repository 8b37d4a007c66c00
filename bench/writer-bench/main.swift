// Writer benchmark: K concurrent callers each running a small state transition (insert one
// row, update another) at synchronous=FULL on a file database, three ways in the same run:
//   (a) one transaction per call (GRDB pool.write per transition)
//   (b) the agentd Writer (group commit, one savepoint per unit)
//   (c) a raw SQLite C-API loop: prepared statements, 100 transitions per commit (the ceiling)
// Prints transitions/s and the ratios b/a and b/c. Usage: writer-bench [seconds-per-case] [batch-window-µs]
import CSQLite
import Core
import Foundation
import GRDB
import Storage

let secondsPerCase = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2.0
let windowMicros = CommandLine.arguments.dropFirst(2).first.flatMap(Int64.init) ?? 0
let duration = Duration.milliseconds(Int64(secondsPerCase * 1000))
let schema = """
    CREATE TABLE IF NOT EXISTS bench_state (id INTEGER PRIMARY KEY, counter INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
    CREATE TABLE IF NOT EXISTS bench_event (id INTEGER PRIMARY KEY, state_id INTEGER NOT NULL, at INTEGER NOT NULL) STRICT;
    """
let insertSQL = "INSERT INTO bench_event (state_id, at) VALUES (?, ?)"
let updateSQL = "UPDATE bench_state SET counter = counter + 1, updated_at = ? WHERE id = ?"

func transition(_ db: Database, state: Int, at: Int64) throws {
    try db.cachedStatement(sql: insertSQL).execute(arguments: [state, at])
    try db.cachedStatement(sql: updateSQL).execute(arguments: [at, state])
}

/// The same transition through the statements' raw SQLite handles: GRDB prepares and caches
/// them, the unit binds and steps them with the C API (what hot engine units can do).
func rawTransition(_ db: Database, state: Int, at: Int64) throws {
    let insert = try db.cachedStatement(sql: insertSQL).sqliteStatement
    sqlite3_bind_int64(insert, 1, Int64(state))
    sqlite3_bind_int64(insert, 2, at)
    guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchError("insert failed") }
    sqlite3_reset(insert)
    let update = try db.cachedStatement(sql: updateSQL).sqliteStatement
    sqlite3_bind_int64(update, 1, at)
    sqlite3_bind_int64(update, 2, Int64(state))
    guard sqlite3_step(update) == SQLITE_DONE else { throw BenchError("update failed") }
    sqlite3_reset(update)
}

func freshDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "agentd-bench-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func seed(_ db: Database) throws {
    try db.execute(sql: schema)
    for id in 0..<100 { try db.execute(sql: "INSERT OR IGNORE INTO bench_state VALUES (?, 0, 0)", arguments: [id]) }
}

/// Runs `callers` tasks that each repeat `step` until the deadline; returns transitions/s.
func drive(callers: Int, _ step: @escaping @Sendable (Int, Int64) async throws -> Void) async throws -> Double {
    let started = ContinuousClock.now
    let deadline = started + duration
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for caller in 0..<callers {
            group.addTask {
                var done = 0
                while ContinuousClock.now < deadline {
                    try await step(caller % 100, Int64(done))
                    done += 1
                }
                return done
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = ContinuousClock.now - started
    return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

func onePerCall(callers: Int) async throws -> Double {
    let directory = try freshDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    let pool = try DatabasePool(path: directory + "/bench.db", configuration: configuration)
    try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    try await pool.write(seed)
    return try await drive(callers: callers) { state, at in
        try await pool.write { db in try transition(db, state: state, at: at) }
    }
}

func agentdWriter(callers: Int, window: Duration, raw: Bool = false) async throws -> (Double, WriterStatistics) {
    let directory = try freshDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let database = try AgentDatabase(options: DatabaseOptions(path: directory + "/agentd.db", synchronous: .full),
                                     writerOptions: Writer.Options(maxBatch: 256, batchWindow: window),
                                     now: Instant(millisecondsSinceEpoch: 0))
    let writer = database.writer
    writer.start()
    try await writer.submit(seed)
    let rate = try await drive(callers: callers) { state, at in
        if raw {
            try await writer.submit { db in try rawTransition(db, state: state, at: at) }
        } else {
            try await writer.submit { db in try transition(db, state: state, at: at) }
        }
    }
    let statistics = writer.currentStatistics
    await writer.stop()
    try database.close()
    return (rate, statistics)
}

/// The ceiling: one thread, the C API, prepared statements, 100 transitions per commit.
func rawLoop() throws -> Double {
    let directory = try freshDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var db: OpaquePointer?
    guard sqlite3_open(directory + "/raw.db", &db) == SQLITE_OK else { throw BenchError("open failed") }
    defer { sqlite3_close(db) }
    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw BenchError(String(cString: sqlite3_errmsg(db))) }
    }
    try exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
    try exec(schema)
    try exec("BEGIN; " + (0..<100).map { "INSERT OR IGNORE INTO bench_state VALUES (\($0), 0, 0);" }.joined() + " COMMIT;")
    var insert: OpaquePointer?, update: OpaquePointer?
    sqlite3_prepare_v2(db, insertSQL, -1, &insert, nil)
    sqlite3_prepare_v2(db, updateSQL, -1, &update, nil)
    defer { sqlite3_finalize(insert); sqlite3_finalize(update) }
    let started = ContinuousClock.now
    let deadline = started + duration
    var done = 0
    while ContinuousClock.now < deadline {
        try exec("BEGIN")
        for _ in 0..<100 {
            let state = Int64(done % 100)
            sqlite3_bind_int64(insert, 1, state)
            sqlite3_bind_int64(insert, 2, Int64(done))
            guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchError("insert failed") }
            sqlite3_reset(insert)
            sqlite3_bind_int64(update, 1, Int64(done))
            sqlite3_bind_int64(update, 2, state)
            guard sqlite3_step(update) == SQLITE_DONE else { throw BenchError("update failed") }
            sqlite3_reset(update)
            done += 1
        }
        try exec("COMMIT")
    }
    let elapsed = ContinuousClock.now - started
    return Double(done) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// For reference: the same loop as (c) but through GRDB's cached statements, one thread, no
/// writer, 100 per commit. Separates GRDB's per-statement cost from the writer's own.
func grdbLoop() throws -> Double {
    let directory = try freshDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let queue = try DatabaseQueue(path: directory + "/grdb.db")
    try queue.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
    }
    try queue.write(seed)
    let started = ContinuousClock.now
    let deadline = started + duration
    var done = 0
    while ContinuousClock.now < deadline {
        try queue.write { db in
            for _ in 0..<100 {
                try transition(db, state: done % 100, at: Int64(done))
                done += 1
            }
        }
    }
    let elapsed = ContinuousClock.now - started
    return Double(done) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

struct BenchError: Error { let text: String; init(_ text: String) { self.text = text } }

func format(_ value: Double) -> String { String(format: "%9.0f", value) }

print("writer benchmark: synchronous=FULL, WAL, \(secondsPerCase)s per case, transition = 1 insert + 1 update, "
    + "writer batch window \(windowMicros) µs")
let ceiling = try rawLoop()
print("(c) raw C API, 100 per commit:          \(format(ceiling)) transitions/s")
let grdbCeiling = try grdbLoop()
print("    GRDB, one thread, 100 per commit:      \(format(grdbCeiling)) transitions/s (reference, not a target)")
print("")
print("  K   (a) txn per call   (b) agentd writer   b/a      b/c     b/GRDB   mean batch  mean commit µs")
for callers in [1, 10, 100] {
    let a = try await onePerCall(callers: callers)
    let (b, statistics) = try await agentdWriter(callers: callers, window: .microseconds(windowMicros))
    print(String(format: "%3d   %14.0f   %17.0f   %6.2f   %6.2f   %6.2f   %9.1f   %13.0f",
                 callers, a, b, b / a, b / ceiling, b / grdbCeiling, statistics.meanBatch, statistics.meanCommitMicros))
}
let (raw, rawStatistics) = try await agentdWriter(callers: 100, window: .microseconds(windowMicros), raw: true)
print(String(format: "100   (b') agentd writer, units on raw statements: %.0f/s   b'/c %.2f   mean batch %.1f",
             raw, raw / ceiling, rawStatistics.meanBatch))
print("")
print("targets: (b) >= 10000/s at K=100, b/a >= 5, b/c >= 0.6")
