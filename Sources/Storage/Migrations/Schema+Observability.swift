extension Schema {
    /// Migrations 39 on: observability (docs/observability.md). Append only; see `Migration`.
    static let observability: [Migration] = [
        Migration(version: 39, name: "error groups", sql: """
            -- Failed executions grouped by ErrorFingerprint (Core): one row per org, fingerprint
            -- and workflow, so a caller sees counts only of workflows they can see. Written in
            -- the unit that ends the execution as failed.
            CREATE TABLE error_group (
                org_id               TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                fingerprint          TEXT    NOT NULL,
                workflow_id          TEXT    NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
                workflow_name        TEXT    NOT NULL,
                team_id              TEXT,
                kind                 TEXT    NOT NULL,
                node                 TEXT,
                message              TEXT    NOT NULL,
                sample_message       TEXT    NOT NULL,
                sample_execution_id  TEXT    NOT NULL,
                first_seen           INTEGER NOT NULL,
                last_seen            INTEGER NOT NULL,
                count                INTEGER NOT NULL,
                PRIMARY KEY (org_id, fingerprint, workflow_id)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX error_group_recent ON error_group (org_id, last_seen);
            """),
        Migration(version: 40, name: "audit forwarding", sql: """
            -- How far each forwarding target (`[audit] forward`) has received the audit chain:
            -- advanced only after a batch was written, so an outage loses nothing and the
            -- target catches up in order (at least once: a crash between the write and this
            -- update sends the batch again).
            CREATE TABLE audit_forward_cursor (
                target      TEXT    PRIMARY KEY,
                last_seq    INTEGER NOT NULL,
                updated_at  INTEGER NOT NULL,
                last_error  TEXT
            ) STRICT;
            """),
        Migration(version: 41, name: "sentry forwarding", sql: """
            -- Failed executions in the order they ended, for forwarding to Sentry: the index
            -- holds failed rows only; the cursor is (finished_at, id) of the last one sent.
            CREATE INDEX execution_failed_at ON execution (finished_at, id) WHERE status = 'failed';
            CREATE TABLE error_forward_cursor (
                target        TEXT    PRIMARY KEY,
                finished_at   INTEGER NOT NULL,
                execution_id  TEXT    NOT NULL,
                updated_at    INTEGER NOT NULL,
                last_error    TEXT
            ) STRICT;
            """),
    ]
}
