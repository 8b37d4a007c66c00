import Core
import Foundation
import GRDB
import Logging
import AgentSecurity
import Synchronization
@testable import Engine
@testable import Storage

/// The engine's clock in these tests: it moves only when a test moves it, so lease expiry,
/// backoff and timers are decided by the test, not by how fast the machine is.
final class TestClock: Sendable {
    private let milliseconds: Atomic<Int64>

    init(_ start: Int64 = 1_760_000_000_000) { milliseconds = Atomic(start) }

    var now: Instant { Instant(millisecondsSinceEpoch: milliseconds.load(ordering: .sequentiallyConsistent)) }

    func advance(by ms: Int64) { milliseconds.add(ms, ordering: .sequentiallyConsistent) }
}

/// A real SQLite file in a fresh temporary directory with one org, its writer started, and
/// the workflows a test applies; engines are made over it (several may share it, as two
/// agentd processes would take turns on one file).
final class Harness: @unchecked Sendable {
    let directory: String
    let database: AgentDatabase
    let audit: AuditLog
    let scope: Scope
    let clock: TestClock
    private let engines = Mutex<[Engine]>([])
    private let holders = Mutex<[any Releasable]>([])

    private init(directory: String, database: AgentDatabase, audit: AuditLog, scope: Scope, clock: TestClock) {
        self.directory = directory
        self.database = database
        self.audit = audit
        self.scope = scope
        self.clock = clock
    }

    static func make(_ name: String = "engine") async throws -> Harness {
        _ = ChainDigest.prepare()
        let clock = TestClock()
        let directory = NSTemporaryDirectory() + "agentd-enginetests-\(name)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try AgentDatabase(options: DatabaseOptions(path: directory + "/agentd.db", synchronous: .normal), now: clock.now)
        database.writer.start()
        let audit = AuditLog(database: database, digest: ChainDigest.sha256)
        let installation = Scope(orgID: OrgID.generate(at: clock.now), reach: .installation, roles: [.admin])
        let org = try await OrgStore(database: database, audit: audit).create(
            name: "tests", displayName: nil, context: ChangeContext(scope: installation, actor: "tests", requestID: nil, now: clock.now))
        return Harness(directory: directory, database: database, audit: audit, scope: Scope(orgID: org.id, reach: .org, roles: [.admin]),
                       clock: clock)
    }

    func context() -> ChangeContext { ChangeContext(scope: scope, actor: "tests", requestID: nil, now: clock.now) }

    func store(instance: String = "first") -> ExecutionStore { ExecutionStore(database: database, audit: audit, instance: instance) }

    /// Applies workflow documents (JSON, as `agentctl apply` sends them) and deploys them to dev.
    func apply(_ documents: JSONValue...) async throws {
        _ = try await DefinitionStore(database: database, audit: audit)
            .apply(documents.map { DefinitionStore.Input(document: try DefinitionDocument.parse($0)) }, message: nil, deployTo: .dev, context: context())
    }

    /// An engine over this database, started; stopped by `tearDown` unless the test drops it.
    func engine(instance: String = "first", settings: Engine.Settings = .init(workers: 4), runners: [StepKind: any StepRunner] = [:],
                secrets: (@Sendable (OrgID, DeployEnvironment, String, TeamID?) async throws -> (value: [UInt8], version: Int)?)? = nil,
                start: Bool = true, timerPollMs: Int64 = 100) async throws -> Engine {
        var logger = Logger(label: "engine-tests")
        logger.logLevel = .critical
        let clock = self.clock
        // The test clock jumps without telling the engine; a short poll stands in for the
        // wake-up that the end of a real sleep gives.
        var settings = settings
        settings.timerPollMs = timerPollMs
        let engine = Engine(store: store(instance: instance), settings: settings, now: { clock.now }, logger: logger, secrets: secrets,
                            extraRunners: runners)
        if start { try await engine.start() }
        engines.withLock { $0.append(engine) }
        holders.withLock { $0 += runners.values.compactMap { $0 as? any Releasable } }
        return engine
    }

    func submit(_ engine: Engine, _ workflow: String, input: JSONValue = [:]) async throws -> String {
        try await engine.submit(NewExecution(workflow: workflow, input: input), context: context()).0.id.rawValue
    }

    func tearDown() async {
        for holder in holders.withLock({ $0 }) { holder.release() }
        for engine in engines.withLock({ $0 }) { await engine.stop() }
        await database.writer.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Reading what happened

    func execution(_ id: String) async throws -> (ExecutionRecord, [String: StepRunRecord]) {
        let (record, steps) = try await store().execution(id, in: scope)
        return (record, Dictionary(uniqueKeysWithValues: steps.map { ($0.node, $0) }))
    }

    func events(_ id: String) async throws -> [ExecutionEvent] { try await store().events(id, after: 0, in: scope).1 }

    /// The job rows of an execution, as the lease columns stand.
    func jobs(_ id: String) async throws -> [(id: Int64, node: String, status: String, token: Int, owner: String?, leaseUntil: Int64?)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, node_id, status, lease_token, lease_owner, lease_expires_at FROM job WHERE execution_id = ? ORDER BY id",
                             arguments: [id]).map { ($0["id"], $0["node_id"], $0["status"], $0["lease_token"], $0["lease_owner"], $0["lease_expires_at"]) }
        }
    }

    /// Waits on the engine's notifier (no fixed sleep) until the execution is terminal.
    @discardableResult
    func finish(_ engine: Engine, _ id: String, timeout: Duration = .seconds(30)) async throws -> ExecutionStatus {
        engine.notifier.watch(id)
        defer { engine.notifier.unwatch(id) }
        let deadline = ContinuousClock.now + timeout
        while true {
            let generation = engine.notifier.generation(of: id)
            let status = try await store().status(id, in: scope)
            if status.isTerminal || ContinuousClock.now >= deadline { return status }
            _ = await engine.notifier.wait(for: id, after: generation, timeout: .milliseconds(200))
        }
    }

    /// Moves the clock and wakes the engine's timer loop now, instead of at its next poll
    /// (at most a second away): a timer due at time 0 is handed to it, which cancels its sleep.
    func advance(_ engine: Engine, by ms: Int64) {
        clock.advance(by: ms)
        nudge(engine)
    }

    func nudge(_ engine: Engine) {
        var effects = ExecutionEffects()
        effects.timers = [JobTicket(id: -1, executionID: "", node: "", attempt: 0, purpose: .run, orgID: "", token: 0, readyAt: 0)]
        engine.handle(effects)
    }
}

/// Polls `condition` until it holds or the deadline passes (never a fixed sleep).
/// Runs `body` with a fresh harness and tears it down after, whatever happened.
func withHarness(_ name: String, _ body: (Harness) async throws -> Void) async throws {
    let harness = try await Harness.make(name)
    do { try await body(harness) } catch {
        await harness.tearDown()
        throw error
    }
    await harness.tearDown()
}

func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return try await condition()
}

/// One exec-kind node (its runner is the test's) with a retry policy and a timeout if given.
func workflow(_ name: String, retry: JSONValue? = nil, timeoutMs: Int? = nil, after: [String: JSONValue] = [:],
              edges: [String] = []) -> JSONValue {
    var node: [String: JSONValue] = ["kind": "exec", "config": ["connector": "test", "command": "run"]]
    if let retry { node["retry"] = retry }
    if let timeoutMs { node["timeout_ms"] = .integer(timeoutMs) }
    var nodes: [String: JSONValue] = ["work": .object(node)]
    for (key, value) in after { nodes[key] = value }
    return ["workflow": .string(name), "nodes": .object(nodes), "edges": .array(edges.map(JSONValue.string))]
}

/// A seed for randomized tests: `ENGINE_TESTS_SEED` when set (to replay a failure), else new;
/// always printed so that a failing run can be replayed.
func testSeed(_ name: String) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["ENGINE_TESTS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
    print("\(name): seed \(seed) (replay with ENGINE_TESTS_SEED=\(seed))")
    return seed
}

/// SplitMix64: a small generator whose sequence a seed fixes.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    /// The integer it holds, if it is one (Core has no such accessor).
    var intValue: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }
}
