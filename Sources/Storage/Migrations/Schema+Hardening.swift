extension Schema {
    /// Migrations 23 on: poisoned jobs, audit checkpoints, model dialects, execution tallies.
    /// Append only; see `Migration`.
    static let hardening: [Migration] = [
        Migration(version: 23, name: "poisoned jobs", sql: """
            -- A job whose step kills the process would otherwise run (and kill it) at every
            -- start. `in_worker` is set before a worker runs the step and cleared when a clean
            -- stop cuts it short; a start that finds it set knows the process died while the
            -- step ran and counts it in `crash_count`. At `[engine] poison_after` the job is
            -- failed as poisoned instead of run again.
            ALTER TABLE job ADD COLUMN in_worker INTEGER NOT NULL DEFAULT 0 CHECK (in_worker IN (0, 1));
            ALTER TABLE job ADD COLUMN crash_count INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(version: 24, name: "audit checkpoints", sql: """
            -- Keyed checkpoints of the audit chain (docs/security.md): every N events and at a
            -- clean stop, the chain's length and newest hash, with an HMAC under a key kept
            -- outside the database. A truncated or rewritten chain contradicts them.
            CREATE TABLE audit_checkpoint (
                id          INTEGER PRIMARY KEY,
                seq         INTEGER NOT NULL,
                head_hash   TEXT    NOT NULL,
                at          INTEGER NOT NULL,
                mac         TEXT    NOT NULL
            ) STRICT;
            """),
        Migration(version: 25, name: "model dialects", sql: """
            -- What each model's server accepts (docs/llm.md): how it is asked for JSON
            -- (json_schema, json_object_schema, json_object, prompt_only) and whether it calls
            -- tools, detected by `agentctl models test` (tested_at) or set by an admin. Models
            -- registered before are assumed to speak OpenAI's API, as agentd always sent it.
            ALTER TABLE model ADD COLUMN structured_output TEXT NOT NULL DEFAULT 'json_schema'
                CHECK (structured_output IN ('json_schema', 'json_object_schema', 'json_object', 'prompt_only'));
            ALTER TABLE model ADD COLUMN tool_calling INTEGER NOT NULL DEFAULT 1 CHECK (tool_calling IN (0, 1));
            ALTER TABLE model ADD COLUMN tested_at INTEGER;
            """),
        Migration(version: 26, name: "execution tallies", sql: """
            -- How many executions each org has in each status, kept by triggers in the same
            -- transaction (and savepoint) as the change itself: /metrics reads this small table
            -- instead of counting the whole execution history at every scrape.
            CREATE TABLE execution_tally (
                org_id          TEXT    NOT NULL,
                status          TEXT    NOT NULL,
                n               INTEGER NOT NULL,
                PRIMARY KEY (org_id, status)
            ) STRICT, WITHOUT ROWID;
            INSERT INTO execution_tally (org_id, status, n) SELECT org_id, status, count(*) FROM execution GROUP BY org_id, status;
            CREATE TRIGGER execution_tally_insert AFTER INSERT ON execution BEGIN
                INSERT INTO execution_tally (org_id, status, n) VALUES (NEW.org_id, NEW.status, 1)
                    ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
            END;
            CREATE TRIGGER execution_tally_update AFTER UPDATE OF org_id, status ON execution
                WHEN OLD.status IS NOT NEW.status OR OLD.org_id IS NOT NEW.org_id BEGIN
                UPDATE execution_tally SET n = n - 1 WHERE org_id = OLD.org_id AND status = OLD.status;
                INSERT INTO execution_tally (org_id, status, n) VALUES (NEW.org_id, NEW.status, 1)
                    ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
            END;
            CREATE TRIGGER execution_tally_delete AFTER DELETE ON execution BEGIN
                UPDATE execution_tally SET n = n - 1 WHERE org_id = OLD.org_id AND status = OLD.status;
            END;
            """),
    ]
}
