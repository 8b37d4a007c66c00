import Core
import Foundation
import GRDB

extension ExecutionStore {
    /// Saves a tool-calling step's conversation and records the model calls made since the
    /// last checkpoint, with an event, in one transaction fenced by the job: false when the job
    /// is no longer this worker's (then nothing is written).
    public func checkpoint(_ job: (id: Int64, token: Int), execution: ExecutionRecord, node: String, attempt: Int, iteration: Int,
                           state: JSONValue, calls: [LLMCall], event: (type: ExecutionEventType, data: JSONValue), now: Instant) async throws -> Bool {
        let audit = self.audit
        let settings = database.llmSettings
        return try await database.writer.submit { db in
            guard try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM job WHERE id = ? AND lease_token = ? AND status = 'open'"),
                                   arguments: [job.id, job.token]) != nil else { return false }
            try CostLedger.record(calls, of: execution, now: now, audit: audit, settings: settings, db)
            try db.cachedStatement(sql: """
                INSERT INTO llm_checkpoint (execution_id, node_id, attempt, iteration, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (execution_id, node_id) DO UPDATE SET attempt = excluded.attempt, iteration = excluded.iteration,
                    state = excluded.state, updated_at = excluded.updated_at
                """).execute(arguments: [execution.id.rawValue, node, attempt, iteration, state.canonicalText, now.millisecondsSinceEpoch])
            try Events.append(db, execution: execution.id.rawValue, at: now.millisecondsSinceEpoch, type: event.type, node: node, attempt: attempt,
                              data: event.data)
            return true
        }
    }

    /// Charges model calls an attempt made that will not be completed (agentd is stopping;
    /// the step runs again at the next start) and frees its reservation.
    public func recordCalls(_ calls: [LLMCall], job: (id: Int64, token: Int), execution: String, now: Instant) async throws {
        let audit = self.audit
        let settings = database.llmSettings
        try await database.writer.submit { db in
            try CostLedger.record(calls, of: try Self.record(execution, db, payload: false), now: now, audit: audit, settings: settings, db)
        }
        database.budgetGate.release(job: job.id, token: job.token)
    }

    /// The conversation a step's attempt saved, if any.
    public func checkpoint(execution: String, node: String, attempt: Int) async throws -> JSONValue? {
        try await database.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM llm_checkpoint WHERE execution_id = ? AND node_id = ? AND attempt = ?"),
                                arguments: [execution, node, attempt]).map { try DefinitionRows.document($0) }
        }
    }

    /// The agents an llm step may call as tools, by name: each one's newest version this
    /// execution's team may use (another team's only when published). Missing names are absent.
    public func toolAgents(_ names: [String], for execution: ExecutionRecord) async throws -> [String: AgentDefinition] {
        let scope = Scope(orgID: execution.orgID, reach: .org, roles: [.developer], teams: execution.teamID.map { [$0] } ?? [])
        return try await database.read { db in
            var found: [String: AgentDefinition] = [:]
            for name in names {
                guard let (pin, _) = try DefinitionRows.usableAgentVersion(AgentReference(name: name, version: nil), scope, db),
                      let document = try String.fetchOne(db.cachedStatement(sql: "SELECT document FROM agent_version WHERE agent_id = ? AND version = ?"),
                                                         arguments: [pin.agentID, pin.version]),
                      let agent = AgentDefinition.read(try DefinitionRows.document(document)).0 else { continue }
                found[name] = agent
            }
            return found
        }
    }
}
