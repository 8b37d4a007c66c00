extension Schema {
    /// Migrations 27 on: the state machines enforced by the database too; schedules; webhooks.
    /// Append only; see `Migration`.
    static let structure: [Migration] = [
        Migration(version: 27, name: "status checks", sql: """
            -- The status columns hold only the states of Core's tables (ExecutionStatus,
            -- StepStatus, JobStatus: Core/Execution/ExecutionStatus.swift). Storage writes statuses
            -- only through StatusTransitions, which checks each move against those tables (an
            -- ended row never moves again); these CHECKs are the database's last line. SQLite adds
            -- a CHECK to an existing table only by copying it, or with a new column: each
            -- `status_check` column holds nothing (always NULL) and carries the CHECK on `status`,
            -- which SQLite tests on every insert and update of the row, and on the rows already
            -- there when the column is added. (Triggers did the same at a measured 15-20 % of
            -- step throughput: engine-bench, issue 15's note.)
            ALTER TABLE execution ADD COLUMN status_check INTEGER CONSTRAINT execution_status
                CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'));
            ALTER TABLE step_run ADD COLUMN status_check INTEGER CONSTRAINT step_run_status
                CHECK (status IN ('pending', 'ready', 'running', 'retry_wait', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled'));
            ALTER TABLE job ADD COLUMN status_check INTEGER CONSTRAINT job_status CHECK (status IN ('open', 'done'));
            """),
        Migration(version: 28, name: "schedules", sql: """
            -- Schedules (docs/triggers.md): when a workflow runs on its own. `next_fire_at` is the
            -- next slot, stored: the engine's timer fires due schedules, each in the transaction
            -- that creates its execution and moves `next_fire_at` on (conditional on the value it
            -- read), so a restart or a second process never fires a slot twice.
            CREATE TABLE schedule (
                id                  TEXT    PRIMARY KEY,
                org_id              TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id             TEXT    REFERENCES team(id) ON DELETE CASCADE,
                name                TEXT    NOT NULL,
                workflow_id         TEXT    NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
                environment         TEXT    NOT NULL,
                input               TEXT    NOT NULL,
                kind                TEXT    NOT NULL CHECK (kind IN ('recurring', 'at')),
                expression          TEXT    NOT NULL,
                zone                TEXT    NOT NULL,
                dst                 TEXT    NOT NULL CHECK (dst IN ('first', 'both')),
                catch_up            TEXT    NOT NULL CHECK (catch_up IN ('skip', 'latest', 'all')),
                catch_up_window_ms  INTEGER,
                catch_up_cap        INTEGER,
                overlap             TEXT    NOT NULL CHECK (overlap IN ('allow', 'skip', 'cancel_previous', 'queue_one')),
                status              TEXT    NOT NULL CHECK (status IN ('active', 'paused', 'done')),
                next_fire_at        INTEGER,
                -- The execution of the latest fired slot (overlap policies look at it).
                last_execution_id   TEXT,
                -- queue_one: a slot waiting for that execution to end.
                queued_slot_at      INTEGER,
                created_by          TEXT    NOT NULL,
                created_at          INTEGER NOT NULL,
                updated_at          INTEGER NOT NULL,
                UNIQUE (org_id, name)
            ) STRICT;
            CREATE INDEX schedule_due ON schedule (next_fire_at) WHERE status = 'active';
            CREATE INDEX schedule_queued ON schedule (last_execution_id) WHERE queued_slot_at IS NOT NULL;
            -- One row per slot: fired (with its execution), skipped or failed (with why).
            CREATE TABLE schedule_fire (
                schedule_id     TEXT    NOT NULL REFERENCES schedule(id) ON DELETE CASCADE,
                planned_at      INTEGER NOT NULL,
                at              INTEGER NOT NULL,
                outcome         TEXT    NOT NULL CHECK (outcome IN ('fired', 'queued', 'skipped', 'failed')),
                execution_id    TEXT,
                reason          TEXT,
                PRIMARY KEY (schedule_id, planned_at)
            ) STRICT, WITHOUT ROWID;
            """),
        Migration(version: 29, name: "webhooks", sql: """
            -- Webhook receivers (docs/triggers.md): `POST /hooks/{id}` with a signed body starts
            -- the workflow. The secret is in the vault (`secret_path` in `environment`); the
            -- transform is the template text that makes the input.
            CREATE TABLE webhook (
                id                  TEXT    PRIMARY KEY,
                org_id              TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id             TEXT    REFERENCES team(id) ON DELETE CASCADE,
                name                TEXT    NOT NULL,
                workflow_id         TEXT    NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
                environment         TEXT    NOT NULL,
                secret_path         TEXT    NOT NULL,
                transform           TEXT,
                rate_per_minute     INTEGER NOT NULL CHECK (rate_per_minute > 0),
                max_body_bytes      INTEGER NOT NULL CHECK (max_body_bytes > 0),
                tolerance_seconds   INTEGER NOT NULL CHECK (tolerance_seconds > 0),
                -- A JSON array of CIDRs; empty: any address.
                allow_from          TEXT    NOT NULL,
                created_by          TEXT    NOT NULL,
                created_at          INTEGER NOT NULL,
                updated_at          INTEGER NOT NULL,
                UNIQUE (org_id, name)
            ) STRICT;
            -- One row per delivery that reached a webhook, with what became of it. A delivery id
            -- (the sender's, or its signature) is accepted once: the unique index makes a replay
            -- impossible to accept twice, whatever the races.
            CREATE TABLE webhook_delivery (
                id              INTEGER PRIMARY KEY,
                webhook_id      TEXT    NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
                delivery_id     TEXT,
                received_at     INTEGER NOT NULL,
                outcome         TEXT    NOT NULL CHECK (outcome IN ('accepted', 'bad_signature', 'expired', 'replay', 'rate_limited',
                                                                     'ip_refused', 'too_large', 'invalid_body', 'transform_error', 'start_failed')),
                execution_id    TEXT,
                remote          TEXT,
                detail          TEXT
            ) STRICT;
            CREATE UNIQUE INDEX webhook_delivery_once ON webhook_delivery (webhook_id, delivery_id) WHERE outcome = 'accepted';
            CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery (webhook_id, id);
            """),
        Migration(version: 30, name: "timer indexes", sql: """
            -- The engine's timer sleeps until the earliest instant it knows: a timer, a schedule's
            -- slot (schedule_due), a deadline (execution_unfinished), a lease's end (this one),
            -- read without a scan of every job ever run.
            CREATE INDEX job_lease_end ON job (lease_expires_at) WHERE status = 'open' AND lease_expires_at IS NOT NULL;
            """),
        Migration(version: 31, name: "status checks without IN lists", sql: """
            -- Migration 27's CHECKs, the same states written as `status = … OR …`: SQLite evaluates
            -- `status IN (more than two constants)` through a temporary b-tree built at each
            -- statement, and a step's every status write paid for one (with the allocator's trim
            -- after it: the fan-out shape of engine-bench was 20 % slower, issue 15's note).
            -- The job CHECK has two states, which SQLite already compares one by one.
            ALTER TABLE execution DROP COLUMN status_check;
            ALTER TABLE execution ADD COLUMN status_check INTEGER CONSTRAINT execution_status
                CHECK (status = 'queued' OR status = 'running' OR status = 'waiting' OR status = 'succeeded' OR status = 'failed'
                       OR status = 'cancelled');
            ALTER TABLE step_run DROP COLUMN status_check;
            ALTER TABLE step_run ADD COLUMN status_check INTEGER CONSTRAINT step_run_status
                CHECK (status = 'pending' OR status = 'ready' OR status = 'running' OR status = 'retry_wait' OR status = 'waiting'
                       OR status = 'succeeded' OR status = 'failed' OR status = 'skipped' OR status = 'cancelled');
            """),
    ]
}
