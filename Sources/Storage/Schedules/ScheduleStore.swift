import Core
import Foundation
import GRDB
import Synchronization

/// Schedules (`agentctl schedules`): created, paused, resumed and deleted by holders of
/// schedules.manage, each change audited in its transaction. Reads go through the scope: a
/// schedule of another org, or of a team the caller is not in, is not found.
public struct ScheduleStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// Most schedules one org may have.
    public static let maximumPerOrg = 10_000

    public func create(_ request: NewSchedule, context: ChangeContext) async throws -> ScheduleRecord {
        if let violation = OrgRules.checkName(request.name) { throw ValidationError([violation]) }
        let inputText = request.input.canonicalText
        guard case .object = request.input, inputText.utf8.count <= ExecutionStore.maximumInputBytes else {
            throw ValidationError(field: "input", "must be a JSON object of at most \(ExecutionStore.maximumInputBytes) bytes")
        }
        let first = request.spec.recurrence.next(after: context.now)
        guard let first else {
            if case .at = request.spec.when { throw ValidationError(field: "at", "is not in the future: the schedule would never fire") }
            throw ValidationError(field: "cron", "never matches (a day that does not exist, like 0 0 30 2 *): the schedule would never fire")
        }
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = context.scope.orgID
            let (workflow, team) = try TriggerRows.owner(table: "schedule", type: .schedule, name: request.name, workflow: request.workflow,
                                                         environment: request.environment, team: request.team, maximum: Self.maximumPerOrg,
                                                         context.scope, db)
            let id = ScheduleID.generate(at: context.now)
            let spec = request.spec
            let (kind, expression) = Self.columns(spec.when)
            var window: Int64?, cap: Int?
            if case .all(let w, let c) = spec.catchUp { (window, cap) = (w, c) }
            let now = context.now.millisecondsSinceEpoch
            try db.execute(sql: """
                INSERT INTO schedule (id, org_id, team_id, name, workflow_id, environment, input, kind, expression, zone, dst, catch_up,
                    catch_up_window_ms, catch_up_cap, overlap, status, next_fire_at, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id.rawValue, org.rawValue, team?.id.rawValue, request.name, workflow.id.rawValue, request.environment.rawValue,
                                 inputText, kind, expression, spec.zone, spec.dst.rawValue, spec.catchUp.name, window, cap, spec.overlap.rawValue,
                                 ScheduleStatus.active.rawValue, first.millisecondsSinceEpoch, context.actor, now, now])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .scheduleCreated,
                                        targetType: ResourceType.schedule.rawValue, targetID: id.rawValue, requestID: context.requestID,
                                        details: ["name": request.name, "workflow": workflow.name, "when": expression, "zone": spec.zone,
                                                  "catch_up": spec.catchUp.name, "overlap": spec.overlap.rawValue]), in: db)
            return try Self.record(id.rawValue, db)
        }
    }

    public func list(in scope: Scope, page: PageRequest) async throws -> Page<ScheduleRecord> {
        try await database.read { db in
            try TriggerRows.page("schedule", page, scope, db, cursor: \.id.rawValue) { try Self.record($0, db) }
        }
    }

    public func get(_ reference: String, in scope: Scope) async throws -> ScheduleRecord {
        try await database.read { db in try Self.visible(reference, scope, db) }
    }

    /// Pauses an active schedule: its slots pass unfired; on resume the missed ones are handled by
    /// its catch-up policy.
    public func pause(_ reference: String, context: ChangeContext) async throws -> ScheduleRecord {
        try await move(reference, from: .active, to: .paused, context: context)
    }

    public func resume(_ reference: String, context: ChangeContext) async throws -> ScheduleRecord {
        try await move(reference, from: .paused, to: .active, context: context)
    }

    private func move(_ reference: String, from: ScheduleStatus, to: ScheduleStatus, context: ChangeContext) async throws -> ScheduleRecord {
        let audit = self.audit
        return try await database.writer.submit { db in
            let schedule = try Self.visible(reference, context.scope, db)
            guard try StatusTransitions.schedule(schedule.id.rawValue, from: [from], to: to,
                                                 setting: [.set("updated_at", context.now.millisecondsSinceEpoch)], db).didMove else {
                throw StorageError.protected(.schedule, id: schedule.name, reason: "it is \(schedule.status.rawValue), not \(from.rawValue)")
            }
            try audit.append(AuditEntry(at: context.now, orgID: schedule.orgID.rawValue, actor: context.actor, action: .scheduleUpdated,
                                        targetType: ResourceType.schedule.rawValue, targetID: schedule.id.rawValue, requestID: context.requestID,
                                        details: ["name": schedule.name, "status": to.rawValue]), in: db)
            return try Self.record(schedule.id.rawValue, db)
        }
    }

    public func delete(_ reference: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let schedule = try Self.visible(reference, context.scope, db)
            try db.execute(sql: "DELETE FROM schedule WHERE id = ?", arguments: [schedule.id.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: schedule.orgID.rawValue, actor: context.actor, action: .scheduleDeleted,
                                        targetType: ResourceType.schedule.rawValue, targetID: schedule.id.rawValue, requestID: context.requestID,
                                        details: ["name": schedule.name]), in: db)
        }
    }

    /// The schedule's slots, newest first.
    public func history(_ reference: String, in scope: Scope, page: PageRequest) async throws -> (ScheduleRecord, Page<ScheduleFireRecord>) {
        try await database.read { db in
            let schedule = try Self.visible(reference, scope, db)
            var query = KeysetQuery("SELECT * FROM schedule_fire", key: .integer("planned_at"), order: .descending)
            query.filter(" AND schedule_id = ?", [schedule.id.rawValue])
            let fires = try query.page(page, db, cursor: { "\($0.plannedAt.millisecondsSinceEpoch)" }) { row in
                ScheduleFireRecord(plannedAt: Instant(millisecondsSinceEpoch: row["planned_at"]), at: Instant(millisecondsSinceEpoch: row["at"]),
                                   outcome: ScheduleFireRecord.Outcome(rawValue: row["outcome"]) ?? .failed,
                                   executionID: row["execution_id"], reason: row["reason"])
            }
            return (schedule, fires)
        }
    }

    // MARK: - Rows

    static func columns(_ when: ScheduleSpec.When) -> (kind: String, expression: String) {
        switch when {
        case .recurring(let text): ("recurring", text)
        case .at(let text): ("at", text)
        }
    }

    static func visible(_ reference: String, _ scope: Scope, _ db: Database) throws -> ScheduleRecord {
        let id = try TriggerRows.id(reference, parsed: ScheduleID(reference)?.rawValue, table: "schedule", scope, db)
        guard let id, let record = try? Self.record(id, db), scope.canSee(org: record.orgID, team: record.teamID) else {
            throw StorageError.notFound(.schedule, id: reference)
        }
        return record
    }

    static func record(_ id: String, _ db: Database) throws -> ScheduleRecord {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT s.*, w.name AS workflow_name FROM schedule s JOIN workflow w ON w.id = s.workflow_id WHERE s.id = ?
            """, arguments: [id]) else {
            throw StorageError.notFound(.schedule, id: id)
        }
        return try record(from: row)
    }

    /// The columns a spec is parsed from.
    struct SpecColumns: Hashable {
        let kind: String, expression: String, zone: String, dst: String, catchUp: String
        let windowMs: Int64?, cap: Int?, overlap: String
    }

    /// Specs parsed from rows, by their columns: the timer reads a schedule at each of its slots,
    /// and parsing a cron expression and its zone costs more than the rest of a fire.
    private static let specs = Mutex<[SpecColumns: ScheduleSpec]>([:])

    static func spec(_ columns: SpecColumns) throws -> ScheduleSpec {
        if let known = specs.withLock({ $0[columns] }) { return known }
        let spec = try ScheduleSpec(when: columns.kind == "at" ? .at(columns.expression) : .recurring(columns.expression), zone: columns.zone,
                                    dst: DSTPolicy(rawValue: columns.dst) ?? .first,
                                    catchUp: ScheduleSpec.catchUp(columns.catchUp, windowMs: columns.windowMs, cap: columns.cap),
                                    overlap: OverlapPolicy(rawValue: columns.overlap) ?? .allow)
        specs.withLock { specs in
            if specs.count >= 20_000 { specs.removeAll(keepingCapacity: true) }
            specs[columns] = spec
        }
        return spec
    }

    static func record(from row: Row) throws -> ScheduleRecord {
        let spec = try Self.spec(SpecColumns(kind: row["kind"], expression: row["expression"], zone: row["zone"], dst: row["dst"],
                                             catchUp: row["catch_up"], windowMs: row["catch_up_window_ms"], cap: row["catch_up_cap"],
                                             overlap: row["overlap"]))
        return ScheduleRecord(
            id: ScheduleID(row["id"] as String)!, orgID: OrgID(row["org_id"] as String)!, teamID: (row["team_id"] as String?).flatMap(TeamID.init),
            name: row["name"], workflowID: WorkflowID(row["workflow_id"] as String)!, workflowName: row["workflow_name"],
            environment: DeployEnvironment(rawValue: row["environment"]) ?? .dev,
            input: (row["input"] as String?).flatMap { try? DefinitionRows.document($0) } ?? .object([:]), spec: spec,
            status: ScheduleStatus(rawValue: row["status"]) ?? .paused,
            nextFireAt: (row["next_fire_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), lastExecutionID: row["last_execution_id"],
            createdBy: row["created_by"], createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }
}
