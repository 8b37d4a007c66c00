extension Schema {
    /// Migrations 44 on: data lifecycle (retention, compliance). Append only; see `Migration`.
    static let lifecycle: [Migration] = [
        Migration(version: 44, name: "retention", sql: """
            -- An org's own retention periods (docs/compliance.md#retention), in milliseconds;
            -- NULL: the site's `[retention]`; 0: kept for ever.
            ALTER TABLE org ADD COLUMN retention_executions_ms INTEGER CHECK (retention_executions_ms >= 0);
            ALTER TABLE org ADD COLUMN retention_step_payloads_ms INTEGER CHECK (retention_step_payloads_ms >= 0);

            -- When retention removed the execution's step outputs and event data (the execution,
            -- its statuses, errors and timings stay until the execution itself is due).
            ALTER TABLE execution ADD COLUMN payloads_removed_at INTEGER;
            CREATE INDEX execution_retention ON execution (org_id, finished_at) WHERE finished_at IS NOT NULL;
            CREATE INDEX execution_payloads_due ON execution (org_id, finished_at)
                WHERE finished_at IS NOT NULL AND payloads_removed_at IS NULL;

            -- Model calls are the cost history: they outlive the executions that made them, so
            -- costs by month stay whole after retention. The table is rebuilt without the
            -- foreign key that deleted them with their execution.
            CREATE TABLE llm_call_kept (
                id                  INTEGER PRIMARY KEY,
                org_id              TEXT    NOT NULL,
                team_id             TEXT,
                execution_id        TEXT    NOT NULL,
                workflow            TEXT    NOT NULL,
                node_id             TEXT    NOT NULL,
                agent               TEXT    NOT NULL,
                attempt             INTEGER NOT NULL,
                iteration           INTEGER NOT NULL,
                model               TEXT    NOT NULL,
                prompt_tokens       INTEGER NOT NULL,
                completion_tokens   INTEGER NOT NULL,
                cost_micros         INTEGER NOT NULL,
                succeeded           INTEGER NOT NULL,
                overage             INTEGER NOT NULL DEFAULT 0,
                at                  INTEGER NOT NULL
            ) STRICT;
            INSERT INTO llm_call_kept SELECT id, org_id, team_id, execution_id, workflow, node_id, agent, attempt, iteration, model,
                prompt_tokens, completion_tokens, cost_micros, succeeded, overage, at FROM llm_call;
            DROP TABLE llm_call;
            ALTER TABLE llm_call_kept RENAME TO llm_call;
            CREATE INDEX llm_call_by_execution ON llm_call (execution_id);
            CREATE INDEX llm_call_by_org ON llm_call (org_id, at);

            -- The last retention pass, for `agentctl status` across restarts.
            CREATE TABLE retention_pass (
                id                  INTEGER PRIMARY KEY CHECK (id = 1),
                started_at          INTEGER NOT NULL,
                finished_at         INTEGER,
                executions_removed  INTEGER NOT NULL DEFAULT 0,
                payloads_removed    INTEGER NOT NULL DEFAULT 0,
                audit_removed       INTEGER NOT NULL DEFAULT 0,
                pages_freed         INTEGER NOT NULL DEFAULT 0,
                error               TEXT
            ) STRICT;
            """),
            Migration(version: 45, name: "archive holds", sql: """
            -- An execution brought back from the archive (docs/compliance.md#archive) is kept
            -- until this instant, whatever retention says, for the investigation it came back for.
            ALTER TABLE execution ADD COLUMN retention_hold_until INTEGER;
            """),
            Migration(version: 46, name: "erasable audit", sql: """
            -- How a row's content was hashed into the chain (AuditChain): 1 as written, 2 with the
            -- fields that can name a person salted and hashed, so erasure can replace them.
            -- `salt` is the row's random salt; `sealed`, once erasure changed the row, keeps the
            -- hashes of the values it replaced and the salts of the row's other person fields.
            ALTER TABLE audit_event ADD COLUMN form INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE audit_event ADD COLUMN salt TEXT;
            ALTER TABLE audit_event ADD COLUMN sealed TEXT;
            """),
    ]
}
