import Core
import Foundation
import GRDB

/// Executions, their step runs, jobs and events (DESIGN §5). Every transition is one writer
/// unit; what it makes runnable is returned as `ExecutionEffects` for the engine to act on
/// after the commit, never before.
public struct ExecutionStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog
    public let workflows: CompiledWorkflowCache
    /// Which agentd process owns the jobs it makes (see `recover`).
    public let instance: String

    /// The org's model endpoints, for llm steps.
    public var models: ModelStore { ModelStore(database: database, audit: audit) }
    /// Budget reservations, for llm steps.
    public var ledger: CostLedger { CostLedger(database: database, audit: audit) }
    /// The org's environments, whose settings apply to steps running in them.
    public var environments: EnvironmentStore { EnvironmentStore(database: database, audit: audit) }
    /// What LLM calls cost, for the overview's spend today.
    public var costs: CostQueries { CostQueries(database: database) }
    /// Failed executions grouped by fingerprint.
    public var errors: ErrorGroupStore { ErrorGroupStore(database: database) }
    /// Change requests, whose expiry the engine's timer pass carries out.
    public var changes: ChangeStore { ChangeStore(database: database, audit: audit) }

    public init(database: AgentDatabase, audit: AuditLog, workflows: CompiledWorkflowCache = CompiledWorkflowCache(), instance: String) {
        self.database = database
        self.audit = audit
        self.workflows = workflows
        self.instance = instance
    }

    /// Largest execution input, in bytes of JSON.
    public static let maximumInputBytes = 256 * 1024

    // MARK: - Create

    /// Starts an execution of the version deployed in `request.environment` (or the version
    /// named). With an idempotency key, the same key and body give the same execution
    /// (`created` false); the same key with another body is `idempotencyConflict`. A new
    /// execution is audited (`execution.started`) in the same transaction as its insert.
    public func create(_ request: NewExecution, context: ChangeContext) async throws -> (ExecutionRecord, ExecutionEffects, created: Bool) {
        let inputText = request.input.canonicalText
        guard inputText.utf8.count <= Self.maximumInputBytes else {
            throw ValidationError(field: "input", "is \(inputText.utf8.count) bytes of JSON; at most \(Self.maximumInputBytes)")
        }
        let store = self
        let audit = self.audit
        // Drawn before the writer's turn: the writer thread is what every start waits for.
        let id = ExecutionID.generate(at: context.now).rawValue
        return try await database.writer.submit { db in
            if let key = request.idempotencyKey,
               let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, request_hash FROM execution WHERE org_id = ? AND idempotency_key = ?"),
                                          arguments: [context.scope.orgID.rawValue, key]) {
                // Another team's execution under the same key is a conflict, never a view of it.
                guard (row["request_hash"] as String?) == request.requestHash, let existing = try? Self.visible(row["id"], context.scope, db) else {
                    throw ExecutionError.idempotencyConflict(key: key)
                }
                return (existing, ExecutionEffects(), false)
            }
            let (record, effects) = try store.insert(request, inputText: inputText, id: id, context: context, db)
            try audit.append(AuditEntry(at: context.now, orgID: record.orgID.rawValue, actor: context.actor, action: .executionStarted,
                                        targetType: ResourceType.execution.rawValue, targetID: record.id.rawValue, requestID: context.requestID,
                                        details: ["workflow": record.workflowName, "version": "\(record.workflowVersion)"]), in: db)
            return (record, effects, true)
        }
    }

    /// Inserts an execution and its first jobs (also used for child executions, inside the
    /// parent's transaction).
    func insert(_ request: NewExecution, inputText: String, id: String? = nil, context: ChangeContext, _ db: Database) throws -> (ExecutionRecord, ExecutionEffects) {
        let workflow = try RunTarget.find(request.workflow, deployedIn: request.environment, context.scope, db)
        try Environments.requireExists(request.environment, org: workflow.orgID, db)
        let version: Int
        if let explicit = request.version {
            if let refusal = DefinitionAuthority.runVersionRefusal(caller: context.scope, version: explicit, deployed: workflow.deployedVersion,
                                                                   environment: request.environment) {
                throw refusal.storageError
            }
            version = explicit
        } else {
            guard let deployed = workflow.deployedVersion else {
                throw ExecutionError.notDeployed(workflow: workflow.name, environment: request.environment.rawValue)
            }
            version = deployed
        }
        let compiled = try workflows.compiled(workflow: workflow.id.rawValue, version: version, db)
        try QuotaStore.check(.executionsPerMonth, org: workflow.orgID, now: context.now, db)
        if let schema = compiled.inputSchema {
            let issues = JSONSchemaCheck.issues(request.input, against: schema, at: "input")
            if !issues.isEmpty { throw ValidationError(issues.map { FieldViolation(field: $0.path, message: $0.message) }) }
        }
        // Privacy (docs/compliance.md#pii-detection-and-masking): the rules are resolved once,
        // here, and kept with the execution; its input is refused or masked before it is written.
        let privacy = PrivacyRules.resolve(org: try PrivacyRows.policy(org: workflow.orgID, db), workflow: compiled.definition.privacy)
        let (input, inputText, masked) = try PrivacyRows.guardInput(request.input, text: inputText, rules: privacy)
        let id = id ?? ExecutionID.generate(at: context.now).rawValue
        let now = context.now.millisecondsSinceEpoch
        // A workflow with llm steps does not start on a used-up budget: its first model call
        // would fail anyway, after its other steps ran (and had their effects).
        if compiled.usesModels {
            var team = workflow.teamID
            if let parent = request.parent {
                team = try String.fetchOne(db.cachedStatement(sql: "SELECT team_id FROM execution WHERE id = ?"), arguments: [parent.execution]).flatMap(TeamID.init) ?? team
            }
            for budget in try Budgets.applying(to: workflow.orgID, team: team, db) where !budget.allowOverage {
                let spent = try Budgets.spent(budget, since: budget.period.window(containing: context.now).start, db)
                if spent >= budget.limitMicros {
                    throw ExecutionError.budgetExceeded("the \(budget.label) budget of $\(Money.format(budget.limitMicros)) for this \(budget.period == .monthly ? "month" : "quarter") "
                                                        + "is used up ($\(Money.format(spent)) spent); workflow \(workflow.name) has llm steps. "
                                                        + "Raise it with `agentctl budgets set`, or allow overage")
                }
            }
        }
        let deadline = (request.timeoutMs ?? compiled.definition.timeoutMs).map { now + Int64(min(max($0, 1), 604_800_000)) }
        // A child started by a team's execution stays that team's, even when its workflow is the org's.
        var team = workflow.teamID?.rawValue
        if let parent = request.parent, let parentTeam = try String.fetchOne(db.cachedStatement(sql: "SELECT team_id FROM execution WHERE id = ?"), arguments: [parent.execution]) {
            team = parentTeam
        }
        // Over the workflow's `concurrency` or the org's concurrent_executions quota, it waits,
        // queued, and starts when another ends (`promoteQueued`).
        let queueReason = try Self.concurrencyBlock(org: workflow.orgID, workflowID: workflow.id.rawValue, limit: compiled.definition.concurrency,
                                                    environment: request.environment, cache: database.environments, db)
        let status: ExecutionStatus = queueReason == nil ? .running : .queued
        let depth = request.parent?.depth ?? request.depth
        try db.cachedStatement(sql: """
            INSERT INTO execution (id, org_id, team_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger,
                parent_execution_id, parent_node, depth, idempotency_key, request_hash, steps_total, created_by, created_at, deadline_at, traceparent,
                privacy, pii_masked)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, workflow.orgID.rawValue, team, workflow.id.rawValue, workflow.name, version,
                             request.environment.rawValue, status.rawValue, inputText, request.trigger,
                             request.parent?.execution, request.parent?.node, depth, request.idempotencyKey,
                             request.requestHash, compiled.dag.nodes.count, context.actor, now, deadline, request.traceparent,
                             privacy.map(PrivacyRows.text), masked.isEmpty ? nil : PrivacyRows.text(masked)])
        for node in compiled.dag.nodes {
            try db.cachedStatement(sql: "INSERT INTO step_run (execution_id, node_id, status, attempt) VALUES (?, ?, ?, 0)")
                .execute(arguments: [id, node, StepStatus.pending.rawValue])
        }
        var effects = ExecutionEffects()
        effects.piiMasked = masked
        if let queueReason {
            try Events.append(db, execution: id, at: now, type: .executionQueued,
                              data: ["workflow": .string(workflow.name), "version": .integer(version), "reason": .string(queueReason)])
        } else {
            try Events.append(db, execution: id, at: now, type: .executionStarted,
                              data: ["workflow": .string(workflow.name), "version": .integer(version), "environment": .string(request.environment.rawValue)])
            effects.ready += try startRoots(id, compiled, org: workflow.orgID.rawValue, now: now, db)
        }
        effects.changed.append(id)
        // The row as just written, without reading it back (and decoding its input) again.
        let record = ExecutionRecord(
            id: ExecutionID(id)!, orgID: workflow.orgID, teamID: team.flatMap(TeamID.init), workflowID: workflow.id, workflowName: workflow.name,
            workflowVersion: version, environment: request.environment, status: status, input: input.canonicalized, output: nil, error: nil,
            trigger: request.trigger, parentExecutionID: request.parent?.execution, parentNode: request.parent?.node, depth: depth,
            stepsTotal: compiled.dag.nodes.count, stepsDone: 0, createdBy: context.actor, createdAt: context.now,
            finishedAt: nil, deadlineAt: deadline.map(Instant.init(millisecondsSinceEpoch:)), traceparent: request.traceparent,
            privacy: privacy, piiMasked: masked)
        if queueReason == nil { effects.started.append(StartedExecution(record: record, compiled: compiled, inputBytes: inputText.utf8.count)) }
        return (record, effects)
    }

    /// A new execution of the same version and input that keeps the steps that succeeded
    /// (their outputs reused, not run again) and runs the rest: for a failed or cancelled one.
    /// Audited (`execution.started`, `retry_of`) in the same transaction.
    public func retry(_ reference: String, traceparent: String? = nil, context: ChangeContext) async throws -> (ExecutionRecord, ExecutionEffects) {
        let store = self
        let audit = self.audit
        return try await database.writer.submit { db in
            let old = try Self.visible(reference, context.scope, db)
            guard old.status == .failed || old.status == .cancelled else {
                throw ExecutionError.notRetryable(id: old.id.rawValue, status: old.status.rawValue)
            }
            try QuotaStore.check(.executionsPerMonth, org: old.orgID, now: context.now, db)
            let compiled = try store.workflows.compiled(workflow: old.workflowID.rawValue, version: old.workflowVersion, db)
            let oldSteps = try Self.steps(old.id.rawValue, db)
            let kept = oldSteps.filter { $0.status == .succeeded }
            let keptNodes = Set(kept.map(\.node))
            guard keptNodes.count < compiled.dag.nodes.count else {
                throw ExecutionError.notRetryable(id: old.id.rawValue, status: "failed after every step succeeded (its output)")
            }
            // A step skipped by decisions of kept steps (a router's choice, a when) stays skipped.
            let oldStatus = Dictionary(uniqueKeysWithValues: oldSteps.map { ($0.node, $0.status) })
            let keptSkipped = Set(compiled.dag.nodes.filter { node in
                oldStatus[node] == .skipped && (compiled.dag.predecessors[node] ?? []).allSatisfy { keptNodes.contains($0) || oldStatus[$0] == .skipped }
                    && !(compiled.dag.predecessors[node] ?? []).isEmpty
            })
            let id = ExecutionID.generate(at: context.now).rawValue
            let now = context.now.millisecondsSinceEpoch
            try db.cachedStatement(sql: """
                INSERT INTO execution (id, org_id, team_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger,
                    depth, steps_total, steps_done, created_by, created_at, deadline_at, traceparent, privacy)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'retry', 0, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [id, old.orgID.rawValue, old.teamID?.rawValue, old.workflowID.rawValue, old.workflowName, old.workflowVersion,
                                 old.environment.rawValue, ExecutionStatus.running.rawValue, old.input.canonicalText, compiled.dag.nodes.count, kept.count + keptSkipped.count, context.actor, now,
                                 compiled.definition.timeoutMs.map { now + Int64($0) }, traceparent,
                                 // A retry runs under the rules its first run had (its input was guarded by them).
                                 old.privacy.map(PrivacyRows.text)])
            try Events.append(db, execution: id, at: now, type: .executionStarted,
                              data: ["workflow": .string(old.workflowName), "version": .integer(old.workflowVersion),
                                     "environment": .string(old.environment.rawValue), "retry_of": .string(old.id.rawValue),
                                     "reused": .array(keptNodes.sorted().map(JSONValue.string))])
            var effects = ExecutionEffects()
            for step in kept {
                try db.cachedStatement(sql: """
                    INSERT INTO step_run (execution_id, node_id, status, attempt, output, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [id, step.node, StepStatus.succeeded.rawValue, step.attempt, step.output?.canonicalText, step.startedAt?.millisecondsSinceEpoch,
                                     step.finishedAt?.millisecondsSinceEpoch])
            }
            for node in compiled.dag.nodes where keptSkipped.contains(node) {
                try db.cachedStatement(sql: "INSERT INTO step_run (execution_id, node_id, status, attempt, finished_at) VALUES (?, ?, ?, 0, ?)")
                    .execute(arguments: [id, node, StepStatus.skipped.rawValue, now])
            }
            for node in compiled.dag.nodes where !keptNodes.contains(node) && !keptSkipped.contains(node) {
                let ready = (compiled.dag.predecessors[node] ?? []).allSatisfy { keptNodes.contains($0) }
                try db.cachedStatement(sql: "INSERT INTO step_run (execution_id, node_id, status, attempt) VALUES (?, ?, ?, ?)").execute(arguments: [id, node, ready ? StepStatus.ready.rawValue : StepStatus.pending.rawValue, ready ? 1 : 0])
                if ready {
                    effects.ready.append(try Jobs.open(db, execution: id, node: node, attempt: 1, purpose: .run, org: old.orgID.rawValue,
                                                       readyAt: now, owner: store.instance))
                }
            }
            effects.changed.append(id)
            try audit.append(AuditEntry(at: context.now, orgID: old.orgID.rawValue, actor: context.actor, action: .executionStarted,
                                        targetType: ResourceType.execution.rawValue, targetID: id, requestID: context.requestID,
                                        details: ["workflow": old.workflowName, "retry_of": old.id.rawValue]), in: db)
            return (try Self.record(id, db), effects)
        }
    }

    /// Makes the nodes without predecessors ready, with their jobs.
    func startRoots(_ id: String, _ compiled: CompiledWorkflow, org: String, now: Int64, _ db: Database) throws -> [JobTicket] {
        var tickets: [JobTicket] = []
        for node in ExecutionPlanner.roots(compiled.dag) {
            guard try StatusTransitions.step(id, node: node, from: [.pending], to: .ready, setting: [.set("attempt", 1)], db).didMove else { continue }
            tickets.append(try Jobs.open(db, execution: id, node: node, attempt: 1, purpose: .run, org: org, readyAt: now, owner: instance))
        }
        return tickets
    }

    /// Run on every start and every end: each must stay an index range, not a walk over the
    /// org's or workflow's history (QueryPlanTests holds them to that).
    static let runningOfWorkflowSQL = "SELECT count(*) FROM execution WHERE workflow_id = ? AND status IN ('running', 'waiting')"
    static let queuedOfOrgSQL = "SELECT id, workflow_id, workflow_version, environment FROM execution WHERE org_id = ? AND status = 'queued' ORDER BY id LIMIT 100"
    static let runningInEnvironmentSQL = "SELECT count(*) FROM execution WHERE org_id = ? AND status IN ('running', 'waiting') AND environment = ?"

    /// Why a new execution of `workflowID` in `environment` must wait, or nil when it may start now.
    static func concurrencyBlock(org: OrgID, workflowID: String, limit: Int?, environment: DeployEnvironment, cache: EnvironmentCache,
                                 _ db: Database) throws -> String? {
        if let limit {
            let running = try Int.fetchOne(db.cachedStatement(sql: Self.runningOfWorkflowSQL), arguments: [workflowID]) ?? 0
            if running >= limit { return "the workflow's concurrency of \(limit) is reached" }
        }
        if let limit = try Environments.settings(org: org, environment: environment, cache: cache, db).concurrency {
            let running = try Int.fetchOne(db.cachedStatement(sql: Self.runningInEnvironmentSQL), arguments: [org.rawValue, environment.rawValue]) ?? 0
            if running >= limit { return "environment \(environment.rawValue)'s concurrency of \(limit) is reached" }
        }
        if let orgLimit = try QuotaStore.limits(org, db).2.concurrentExecutions,
           try QuotaStore.usage(.concurrentExecutions, org, db, now: Instant(millisecondsSinceEpoch: 0)) >= orgLimit {
            return "the org's plan allows \(orgLimit) concurrent executions"
        }
        return nil
    }

    /// Starts queued executions of `org`, oldest first, while the limits allow.
    func promoteQueued(org: OrgID, now: Int64, _ db: Database, _ effects: inout ExecutionEffects) throws {
        let queued = try Row.fetchAll(db.cachedStatement(sql: Self.queuedOfOrgSQL), arguments: [org.rawValue])
        for row in queued {
            let id: String = row["id"]
            let compiled = try workflows.compiled(workflow: row["workflow_id"], version: row["workflow_version"], db)
            let environment = DeployEnvironment(rawValue: row["environment"]) ?? .dev
            guard try Self.concurrencyBlock(org: org, workflowID: row["workflow_id"], limit: compiled.definition.concurrency,
                                            environment: environment, cache: database.environments, db) == nil else {
                continue
            }
            guard try StatusTransitions.execution(id, from: [.queued], to: .running, db).didMove else { continue }
            try Events.append(db, execution: id, at: now, type: .executionStarted, data: ["from_queue": .bool(true)])
            effects.ready += try startRoots(id, compiled, org: org.rawValue, now: now, db)
            effects.changed.append(id)
        }
    }

    // MARK: - Reads

    public func execution(_ reference: String, in scope: Scope) async throws -> (ExecutionRecord, [StepRunRecord]) {
        try await database.read { db in
            let record = try Self.visible(reference, scope, db)
            return (record, try Self.steps(record.id.rawValue, db))
        }
    }

    /// Just the status (cheap: for waiting on an execution).
    public func status(_ id: String, in scope: Scope) async throws -> ExecutionStatus {
        try await database.read { db in
            let row = try ExecutionID(id).flatMap { id in
                try Row.fetchCursor(db.cachedStatement(sql: "SELECT org_id, team_id, status FROM execution WHERE id = ?"), arguments: [id.rawValue])
                    .map { row in (org: OrgID(row[0] as String), team: (row[1] as String?).flatMap(TeamID.init), status: ExecutionStatus(rawValue: row[2])) }
                    .next()
            }
            guard let row, let org = row.org, scope.canSee(org: org, team: row.team) else { throw StorageError.notFound(.execution, id: id) }
            return row.status ?? .failed
        }
    }

    public func list(in scope: Scope, filter: ExecutionFilter, page: PageRequest) async throws -> Page<ExecutionRecord> {
        try await database.read { db in
            var query = KeysetQuery("SELECT id FROM execution", key: .text("id"), order: .descending)
            query.filter(" AND org_id = ?", [scope.orgID.rawValue])
            let visibility = TeamVisibility(scope)
            query.filter(visibility.clause("team_id"), visibility.arguments)
            if let status = filter.status { query.filter(" AND status = ?", [status.rawValue]) }
            if let workflow = filter.workflow { query.filter(" AND (workflow_name = ? OR workflow_id = ?)", [workflow, workflow]) }
            if let since = filter.since { query.filter(" AND created_at >= ?", [since.millisecondsSinceEpoch]) }
            return try query.page(page, db, cursor: \.id.rawValue) { row in try Self.record(row[0], db) }
        }
    }

    /// Events after `after` (a sequence number), oldest first.
    /// Adds an event that records no transition (a streamed piece of a model's answer).
    public func appendEvent(execution: String, type: ExecutionEventType, node: String?, attempt: Int?, data: JSONValue?, now: Instant) async throws {
        try await database.writer.submit { db in
            try Events.append(db, execution: execution, at: now.millisecondsSinceEpoch, type: type, node: node, attempt: attempt, data: data)
        }
    }

    public func events(_ reference: String, after: Int, limit: Int = 500, in scope: Scope) async throws -> (ExecutionRecord, [ExecutionEvent]) {
        try await database.read { db in
            let record = try Self.visible(reference, scope, db)
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM execution_event WHERE execution_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
                                        arguments: [record.id.rawValue, after, limit])
            return (record, rows.map(Events.event(from:)))
        }
    }

    /// Counts for the metrics: executions by status, unfinished ones by org id, open jobs.
    ///
    /// why not `GROUP BY` over executions: a scrape every few seconds must not walk the whole
    /// history; `execution_tally` is kept by triggers in the transaction of each change, and
    /// open jobs are counted on their partial index (work in flight, not history).
    static let gaugesSQL = "SELECT org_id, status, n FROM execution_tally WHERE n > 0"

    public func gauges() async throws -> (byStatus: [ExecutionStatus: Int], activeByOrg: [OrgID: Int], openJobs: Int) {
        try await database.read { db in
            var counts: [ExecutionStatus: Int] = [:]
            var active: [OrgID: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: Self.gaugesSQL)) {
                guard let status = ExecutionStatus(rawValue: row["status"]) else { continue }
                let n: Int = row["n"]
                counts[status, default: 0] += n
                if !status.isTerminal, let org = OrgID(row["org_id"] as String) { active[org, default: 0] += n }
            }
            let open = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM job WHERE status = 'open'")) ?? 0
            return (counts, active, open)
        }
    }

    // MARK: - Rows

    static func visible(_ reference: String, _ scope: Scope, _ db: Database) throws -> ExecutionRecord {
        guard let id = ExecutionID(reference),
              let record = try? Self.record(id.rawValue, db),
              scope.canSee(org: record.orgID, team: record.teamID) else {
            throw StorageError.notFound(.execution, id: reference)
        }
        return record
    }

    /// An execution. Without `payload`, its input, output and error are left undecoded (null):
    /// completions need only its identity and status, and decoding JSON is most of a read's cost.
    static func record(_ id: String, _ db: Database, payload: Bool = true) throws -> ExecutionRecord {
        // Decoded inside the cursor: its rows find columns through the prepared statement's
        // index, where a copied row searches its column names one by one.
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: "SELECT * FROM execution WHERE id = ?"), arguments: [id])
            .map { row in Self.record(from: row, payload: payload) }
        guard let record = try cursor.next() else { throw StorageError.notFound(.execution, id: id) }
        return record
    }

    static func record(from row: Row, payload: Bool) -> ExecutionRecord {
        func json(_ text: String?) -> JSONValue? { payload ? text.flatMap { try? DefinitionRows.document($0) } : nil }
        return ExecutionRecord(
            id: ExecutionID(row["id"] as String)!, orgID: OrgID(row["org_id"] as String)!, teamID: (row["team_id"] as String?).flatMap(TeamID.init),
            workflowID: WorkflowID(row["workflow_id"] as String)!, workflowName: row["workflow_name"], workflowVersion: row["workflow_version"],
            environment: DeployEnvironment(rawValue: row["environment"]) ?? .dev, status: ExecutionStatus(rawValue: row["status"]) ?? .failed,
            input: json(row["input"]) ?? .null, output: json(row["output"]), error: json(row["error"]), trigger: row["trigger"],
            parentExecutionID: row["parent_execution_id"], parentNode: row["parent_node"], depth: row["depth"],
            stepsTotal: row["steps_total"], stepsDone: row["steps_done"], createdBy: row["created_by"],
            createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
            finishedAt: (row["finished_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
            deadlineAt: (row["deadline_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
            costMicros: row["cost_micros"] ?? 0,
            usage: TokenUsage(promptTokens: row["prompt_tokens"] ?? 0, completionTokens: row["completion_tokens"] ?? 0),
            traceparent: row["traceparent"],
            privacy: (row["privacy"] as String?).flatMap { try? JSONDecoder().decode(PrivacyRules.self, from: Data($0.utf8)) },
            piiMasked: (row["pii_masked"] as String?).map(PrivacyRows.counts) ?? [:])
    }

    static func steps(_ execution: String, only nodes: Set<String>? = nil, _ db: Database) throws -> [StepRunRecord] {
        let cursor: RowCursor
        if let nodes {
            let list = nodes.sorted()
            // One statement for any number of nodes (a JSON array), so it stays prepared.
            let names = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
            cursor = try Row.fetchCursor(db.cachedStatement(sql: "SELECT * FROM step_run WHERE execution_id = ? AND node_id IN (SELECT value FROM json_each(?))"),
                                         arguments: [execution, names])
        } else {
            cursor = try Row.fetchCursor(db.cachedStatement(sql: "SELECT * FROM step_run WHERE execution_id = ? ORDER BY node_id"), arguments: [execution])
        }
        return try Array(cursor.map { row in
            StepRunRecord(node: row["node_id"], status: StepStatus(rawValue: row["status"]) ?? .failed, attempt: row["attempt"],
                          output: (row["output"] as String?).flatMap { try? DefinitionRows.document($0) },
                          error: (row["error"] as String?).flatMap { try? DefinitionRows.document($0) },
                          startedAt: (row["started_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
                          finishedAt: (row["finished_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
        })
    }
}

/// Execution failures a caller can act on.
public enum ExecutionError: Error, Hashable, Sendable {
    case idempotencyConflict(key: String)
    case notDeployed(workflow: String, environment: String)
    case alreadyFinished(id: String, status: String)
    case tooDeep(limit: Int)
    case notRetryable(id: String, status: String)
    /// A budget the execution's llm steps count against is used up (and allows no overage).
    case budgetExceeded(String)
    /// Its input holds personal data of kinds (names) its privacy rules block.
    case piiBlocked(kinds: [String])
}

/// Appending and reading execution events.
enum Events {
    static func append(_ db: Database, execution: String, at: Int64, type: ExecutionEventType, node: String? = nil, attempt: Int? = nil,
                       data: JSONValue? = nil) throws {
        try db.cachedStatement(sql: """
            INSERT INTO execution_event (execution_id, seq, at, type, node_id, attempt, data)
            VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM execution_event WHERE execution_id = ?1), ?2, ?3, ?4, ?5, ?6)
            """).execute(arguments: [execution, at, type.rawValue, node, attempt, data?.canonicalText])
    }

    static func event(from row: Row) -> ExecutionEvent {
        ExecutionEvent(seq: row["seq"], at: Instant(millisecondsSinceEpoch: row["at"]), type: row["type"], node: row["node_id"],
                       attempt: row["attempt"], data: (row["data"] as String?).flatMap { try? DefinitionRows.document($0) })
    }
}

/// Opening jobs.
enum Jobs {
    /// `timer`: due later (a backoff, a delay), found by the timer's poll; otherwise handed to
    /// the dispatcher by the caller right after the commit.
    static func open(_ db: Database, execution: String, node: String, attempt: Int, purpose: JobTicket.Purpose, org: String,
                     readyAt: Int64, owner: String, timer: Bool = false) throws -> JobTicket {
        try db.cachedStatement(sql: """
            INSERT INTO job (execution_id, node_id, attempt, purpose, org_id, status, ready_at, lease_owner, lease_token, timer)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
            """).execute(arguments: [execution, node, attempt, purpose.rawValue, org, JobStatus.open.rawValue, readyAt, owner, timer ? 1 : 0])
        return JobTicket(id: db.lastInsertedRowID, executionID: execution, node: node, attempt: attempt, purpose: purpose, orgID: org,
                         token: 1, readyAt: readyAt)
    }

    static func ticket(from row: Row) -> JobTicket {
        JobTicket(id: row["id"], executionID: row["execution_id"], node: row["node_id"], attempt: row["attempt"],
                  purpose: JobTicket.Purpose(rawValue: row["purpose"]) ?? .run, orgID: row["org_id"], token: row["lease_token"],
                  readyAt: row["ready_at"])
    }
}
