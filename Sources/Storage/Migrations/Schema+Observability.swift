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
        Migration(version: 42, name: "alerts", sql: """
            -- Alerting (docs/observability.md#alerts). Channels and rules are an org's, by name;
            -- a channel's secret stays in the vault (its config holds the path only).
            CREATE TABLE alert_channel (
                org_id         TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                name           TEXT    NOT NULL,
                config         TEXT    NOT NULL,
                created_by     TEXT    NOT NULL,
                created_at     INTEGER NOT NULL,
                updated_at     INTEGER NOT NULL,
                -- Set when deliveries gave up on it (an alert about the channel went to the
                -- org's other channels); cleared by the next delivery it takes.
                down_since     INTEGER,
                last_error     TEXT,
                PRIMARY KEY (org_id, name)
            ) STRICT, WITHOUT ROWID;
            CREATE TABLE alert_rule (
                org_id         TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                name           TEXT    NOT NULL,
                expr           TEXT    NOT NULL,
                for_ms         INTEGER NOT NULL,
                repeat_ms      INTEGER NOT NULL,
                severity       TEXT    NOT NULL,
                channels       TEXT    NOT NULL,
                description    TEXT    NOT NULL DEFAULT '',
                enabled        INTEGER NOT NULL DEFAULT 1,
                created_by     TEXT    NOT NULL,
                created_at     INTEGER NOT NULL,
                updated_at     INTEGER NOT NULL,
                PRIMARY KEY (org_id, name)
            ) STRICT, WITHOUT ROWID;
            -- One row per rule and subject (a workflow or budget; '' for a rule with one) while
            -- its condition holds: pending, then firing. Gone when it resolves.
            CREATE TABLE alert_instance (
                org_id         TEXT    NOT NULL,
                rule           TEXT    NOT NULL,
                subject        TEXT    NOT NULL,
                phase          TEXT    NOT NULL,
                since          INTEGER NOT NULL,
                fired_at       INTEGER,
                notified_at    INTEGER,
                value          REAL    NOT NULL,
                PRIMARY KEY (org_id, rule, subject),
                FOREIGN KEY (org_id, rule) REFERENCES alert_rule (org_id, name) ON DELETE CASCADE
            ) STRICT, WITHOUT ROWID;
            -- Every state change, silence and channel outage: `agentctl alerts history`.
            CREATE TABLE alert_event (
                id             INTEGER PRIMARY KEY,
                org_id         TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                rule           TEXT    NOT NULL,
                subject        TEXT    NOT NULL,
                change         TEXT    NOT NULL,
                value          REAL,
                at             INTEGER NOT NULL,
                detail         TEXT    NOT NULL DEFAULT ''
            ) STRICT;
            CREATE INDEX alert_event_by_org ON alert_event (org_id, id);
            -- A rule (or '*': every rule of the org) held quiet until ends_at.
            CREATE TABLE alert_silence (
                id             INTEGER PRIMARY KEY,
                org_id         TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                rule           TEXT    NOT NULL,
                starts_at      INTEGER NOT NULL,
                ends_at        INTEGER NOT NULL,
                comment        TEXT    NOT NULL,
                created_by     TEXT    NOT NULL,
                ended_by       TEXT
            ) STRICT;
            CREATE INDEX alert_silence_by_org ON alert_silence (org_id, ends_at);
            -- The outbox: a notification per channel, sent with retries and backoff.
            CREATE TABLE alert_delivery (
                id             INTEGER PRIMARY KEY,
                org_id         TEXT    NOT NULL,
                channel        TEXT    NOT NULL,
                notification   TEXT    NOT NULL,
                -- pending (to send or retry), sent, failed (given up).
                state          TEXT    NOT NULL,
                attempts       INTEGER NOT NULL DEFAULT 0,
                next_at        INTEGER NOT NULL,
                last_error     TEXT,
                created_at     INTEGER NOT NULL,
                sent_at        INTEGER,
                FOREIGN KEY (org_id, channel) REFERENCES alert_channel (org_id, name) ON DELETE CASCADE
            ) STRICT;
            CREATE INDEX alert_delivery_due ON alert_delivery (next_at) WHERE state = 'pending';
            CREATE INDEX alert_delivery_by_channel ON alert_delivery (org_id, channel, id);
            -- Finished executions by when they ended, for failure-rate rules over a window.
            CREATE INDEX execution_finished ON execution (finished_at, org_id, workflow_name, status) WHERE finished_at IS NOT NULL;
            """),
        Migration(version: 43, name: "execution traces", sql: """
            -- The W3C traceparent of the span that stands for an execution (docs/observability.md
            -- #tracing): its steps' spans are its children, on any node and after any restart.
            -- NULL when it was made without one (a schedule's fire): its trace is derived from
            -- its id.
            ALTER TABLE execution ADD COLUMN traceparent TEXT;
            """),
    ]
}
