/// agentd's schema, in order. Append only; see `Migration`.
///
/// Conventions: STRICT tables; IDs are prefixed text (`org_…`); times are UTC milliseconds in
/// INTEGER columns named `…_at`; money is INTEGER micro-dollars named `…_micros`.
public enum Schema {
    /// Every migration, in order: the foundation's, the hardening's (`Schema+Hardening.swift`), the
    /// structure's (`Schema+Structure.swift`), governance's (`Schema+Governance.swift`), observability's (`Schema+Observability.swift`),
    /// the data lifecycle's (`Schema+Lifecycle.swift`).
    public static let migrations: [Migration] = foundation + hardening + structure + governance + observability + lifecycle + privacy + sso + console + collaboration + comments + sharing

    /// Migrations 1–22: the foundation, identity, vault, definitions, engine and LLM work.
    static let foundation: [Migration] = [
        Migration(version: 1, name: "installation", sql: """
            CREATE TABLE schema_migration (
                version    INTEGER PRIMARY KEY,
                name       TEXT    NOT NULL,
                applied_at INTEGER NOT NULL
            ) STRICT;

            -- One row: facts about this installation.
            CREATE TABLE installation (
                singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
                created_at INTEGER NOT NULL
            ) STRICT;
            """),
        Migration(version: 2, name: "orgs", sql: """
            CREATE TABLE org (
                id           TEXT    PRIMARY KEY,
                name         TEXT    NOT NULL UNIQUE,
                display_name TEXT    NOT NULL,
                created_at   INTEGER NOT NULL,
                updated_at   INTEGER NOT NULL
            ) STRICT;
            """),
        Migration(version: 3, name: "audit", sql: """
            -- The audit hash chain. Rows are only ever inserted: no route updates or deletes them.
            CREATE TABLE audit_event (
                seq         INTEGER PRIMARY KEY,
                at          INTEGER NOT NULL,
                org_id      TEXT,
                actor       TEXT    NOT NULL,
                action      TEXT    NOT NULL,
                outcome     TEXT    NOT NULL,
                target_type TEXT,
                target_id   TEXT,
                request_id  TEXT,
                details     TEXT    NOT NULL,
                prev_hash   TEXT    NOT NULL,
                hash        TEXT    NOT NULL
            ) STRICT;
            CREATE INDEX audit_event_org_seq ON audit_event (org_id, seq);
            CREATE INDEX audit_event_action_seq ON audit_event (action, seq);
            CREATE INDEX audit_event_at ON audit_event (at);
            """),
        Migration(version: 4, name: "users and api keys", sql: """
            CREATE TABLE user_account (
                id           TEXT    PRIMARY KEY,
                login        TEXT    NOT NULL UNIQUE,
                display_name TEXT    NOT NULL,
                unix_uid     INTEGER UNIQUE,
                disabled_at  INTEGER,
                created_at   INTEGER NOT NULL,
                created_by   TEXT    NOT NULL
            ) STRICT;

            -- A user's role in one org. Removing an org or a user removes its memberships.
            CREATE TABLE membership (
                org_id     TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                user_id    TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                role       TEXT    NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT    NOT NULL,
                PRIMARY KEY (org_id, user_id)
            ) STRICT;
            CREATE INDEX membership_user ON membership (user_id);

            -- API keys: only a keyed hash of the secret is stored.
            CREATE TABLE api_key (
                id           TEXT    PRIMARY KEY,
                org_id       TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                user_id      TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                name         TEXT    NOT NULL,
                secret_hash  BLOB    NOT NULL,
                scopes       TEXT    NOT NULL,
                expires_at   INTEGER,
                revoked_at   INTEGER,
                last_used_at INTEGER,
                created_at   INTEGER NOT NULL,
                created_by   TEXT    NOT NULL
            ) STRICT;
            CREATE INDEX api_key_org ON api_key (org_id, id);
            """),
        Migration(version: 5, name: "passwords and sessions", sql: """
            -- Argon2id strings from libsodium (they carry their own salt and parameters).
            CREATE TABLE password (
                user_id      TEXT    PRIMARY KEY REFERENCES user_account(id) ON DELETE CASCADE,
                hash         TEXT    NOT NULL,
                set_at       INTEGER NOT NULL,
                failed_count INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER
            ) STRICT;

            CREATE TABLE password_history (
                user_id TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                hash    TEXT    NOT NULL,
                set_at  INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX password_history_user ON password_history (user_id, set_at);

            -- Login sessions: only a keyed hash of the token's secret is stored.
            CREATE TABLE session (
                id           TEXT    PRIMARY KEY,
                user_id      TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                org_id       TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                secret_hash  BLOB    NOT NULL,
                created_at   INTEGER NOT NULL,
                last_seen_at INTEGER NOT NULL,
                revoked_at   INTEGER,
                client       TEXT    NOT NULL
            ) STRICT;
            CREATE INDEX session_user ON session (user_id, id);
            """),
        Migration(version: 6, name: "mfa", sql: """
            -- TOTP seeds, sealed (XChaCha20-Poly1305 under a key derived from the hash key,
            -- bound to the user id); last_step stops a code from working twice.
            CREATE TABLE mfa_totp (
                user_id      TEXT    PRIMARY KEY REFERENCES user_account(id) ON DELETE CASCADE,
                secret_box   BLOB    NOT NULL,
                confirmed_at INTEGER,
                last_step    INTEGER,
                created_at   INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE mfa_recovery_code (
                user_id   TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                code_hash BLOB    NOT NULL,
                used_at   INTEGER
            ) STRICT;
            CREATE INDEX mfa_recovery_code_user ON mfa_recovery_code (user_id);

            -- Roles whose members must use MFA in this org (comma-separated role names).
            ALTER TABLE org ADD COLUMN mfa_required_roles TEXT NOT NULL DEFAULT '';

            -- A session opened by a user who must enrol in MFA first: it may only enrol.
            ALTER TABLE session ADD COLUMN mfa_pending INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(version: 7, name: "teams and plans", sql: """
            CREATE TABLE team (
                id         TEXT    PRIMARY KEY,
                org_id     TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                name       TEXT    NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT    NOT NULL,
                UNIQUE (org_id, name)
            ) STRICT;

            -- A user in a team, with an optional role narrower than its role in the org.
            CREATE TABLE team_member (
                team_id TEXT NOT NULL REFERENCES team(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                org_id  TEXT NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                role    TEXT,
                PRIMARY KEY (team_id, user_id)
            ) STRICT;
            CREATE INDEX team_member_user ON team_member (user_id);

            ALTER TABLE org ADD COLUMN plan TEXT NOT NULL DEFAULT 'enterprise';
            ALTER TABLE org ADD COLUMN quota_overrides TEXT NOT NULL DEFAULT '{}';
            """),
        Migration(version: 8, name: "custom roles", sql: """
            -- Roles an org defines: a name (never a built-in role's) and its permissions.
            -- membership.role and team_member.role name a built-in role or one of these.
            CREATE TABLE custom_role (
                org_id      TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                name        TEXT    NOT NULL,
                permissions TEXT    NOT NULL,
                created_at  INTEGER NOT NULL,
                created_by  TEXT    NOT NULL,
                PRIMARY KEY (org_id, name)
            ) STRICT;
            """),
        Migration(version: 9, name: "vault keys", sql: """
            -- The master keys secrets are sealed under: their ids and check values only. The
            -- keys themselves never enter the database.
            CREATE TABLE vault_key (
                id          TEXT    PRIMARY KEY,
                check_value TEXT    NOT NULL,
                created_at  INTEGER NOT NULL,
                retired_at  INTEGER
            ) STRICT;
            """),
        Migration(version: 10, name: "secrets", sql: """
            CREATE TABLE secret (
                org_id          TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                environment     TEXT    NOT NULL,
                path            TEXT    NOT NULL,
                current_version INTEGER NOT NULL,
                created_at      INTEGER NOT NULL,
                created_by      TEXT    NOT NULL,
                updated_at      INTEGER NOT NULL,
                updated_by      TEXT    NOT NULL,
                PRIMARY KEY (org_id, environment, path)
            ) STRICT;

            -- Each version sealed on its own: a data key wrapped by master key key_id.
            CREATE TABLE secret_version (
                org_id      TEXT    NOT NULL,
                environment TEXT    NOT NULL,
                path        TEXT    NOT NULL,
                version     INTEGER NOT NULL,
                key_id      TEXT    NOT NULL,
                wrapped_key BLOB    NOT NULL,
                ciphertext  BLOB    NOT NULL,
                created_at  INTEGER NOT NULL,
                created_by  TEXT    NOT NULL,
                PRIMARY KEY (org_id, environment, path, version),
                FOREIGN KEY (org_id, environment, path) REFERENCES secret (org_id, environment, path) ON DELETE CASCADE
            ) STRICT;
            """),
        Migration(version: 11, name: "vault passphrase salt", sql: """
            -- For the passphrase key source: the Argon2id salt (not secret). The key is derived
            -- from the passphrase at unseal and never stored.
            ALTER TABLE installation ADD COLUMN vault_salt BLOB;
            """),
        Migration(version: 12, name: "agents and workflows", sql: """
            -- A definition's identity; its content lives in immutable versions.
            CREATE TABLE agent (
                id              TEXT    PRIMARY KEY,
                org_id          TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id         TEXT    REFERENCES team(id),
                name            TEXT    NOT NULL,
                kind            TEXT    NOT NULL,
                description     TEXT,
                latest_version  INTEGER NOT NULL,
                created_at      INTEGER NOT NULL,
                created_by      TEXT    NOT NULL,
                updated_at      INTEGER NOT NULL,
                updated_by      TEXT    NOT NULL,
                UNIQUE (org_id, name)
            ) STRICT;
            CREATE INDEX agent_by_team ON agent (org_id, team_id, name);
            CREATE INDEX agent_by_updated ON agent (org_id, updated_at);

            CREATE TABLE agent_version (
                agent_id        TEXT    NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
                version         INTEGER NOT NULL,
                document        TEXT    NOT NULL,
                content_hash    TEXT    NOT NULL,
                message         TEXT,
                parent_version  INTEGER,
                published       INTEGER NOT NULL DEFAULT 0,
                created_at      INTEGER NOT NULL,
                created_by      TEXT    NOT NULL,
                PRIMARY KEY (agent_id, version)
            ) STRICT;

            CREATE TABLE workflow (
                id              TEXT    PRIMARY KEY,
                org_id          TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id         TEXT    REFERENCES team(id),
                name            TEXT    NOT NULL,
                description     TEXT,
                latest_version  INTEGER NOT NULL,
                created_at      INTEGER NOT NULL,
                created_by      TEXT    NOT NULL,
                updated_at      INTEGER NOT NULL,
                updated_by      TEXT    NOT NULL,
                UNIQUE (org_id, name)
            ) STRICT;
            CREATE INDEX workflow_by_team ON workflow (org_id, team_id, name);
            CREATE INDEX workflow_by_updated ON workflow (org_id, updated_at);

            -- pins: each node's agent resolved at apply time (id, name, version, kind), so a
            -- version runs the same agents forever.
            CREATE TABLE workflow_version (
                workflow_id     TEXT    NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
                version         INTEGER NOT NULL,
                document        TEXT    NOT NULL,
                pins            TEXT    NOT NULL,
                content_hash    TEXT    NOT NULL,
                message         TEXT,
                parent_version  INTEGER,
                created_at      INTEGER NOT NULL,
                created_by      TEXT    NOT NULL,
                PRIMARY KEY (workflow_id, version)
            ) STRICT;

            -- Which agent versions a workflow version runs: an agent in use cannot be deleted.
            CREATE TABLE workflow_agent_use (
                workflow_id     TEXT    NOT NULL,
                version         INTEGER NOT NULL,
                agent_id        TEXT    NOT NULL REFERENCES agent(id),
                agent_version   INTEGER NOT NULL,
                PRIMARY KEY (workflow_id, version, agent_id, agent_version),
                FOREIGN KEY (workflow_id, version) REFERENCES workflow_version (workflow_id, version) ON DELETE CASCADE
            ) STRICT;
            CREATE INDEX workflow_agent_use_by_agent ON workflow_agent_use (agent_id);

            CREATE TABLE workflow_deployment (
                workflow_id     TEXT    NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
                environment     TEXT    NOT NULL,
                version         INTEGER NOT NULL,
                deployed_at     INTEGER NOT NULL,
                deployed_by     TEXT    NOT NULL,
                PRIMARY KEY (workflow_id, environment),
                FOREIGN KEY (workflow_id, version) REFERENCES workflow_version (workflow_id, version)
            ) STRICT;

            -- Tags of agents and workflows, for filtering lists by tag.
            CREATE TABLE definition_tag (
                org_id          TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                owner_id        TEXT    NOT NULL,
                tag             TEXT    NOT NULL,
                PRIMARY KEY (owner_id, tag)
            ) STRICT;
            CREATE INDEX definition_tag_by_tag ON definition_tag (org_id, tag);
            """),
        Migration(version: 13, name: "executions", sql: """
            -- One run of one workflow version with one input (DESIGN §5).
            CREATE TABLE execution (
                id                  TEXT    PRIMARY KEY,
                org_id              TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id             TEXT,
                workflow_id         TEXT    NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
                workflow_name       TEXT    NOT NULL,
                workflow_version    INTEGER NOT NULL,
                environment         TEXT    NOT NULL,
                status              TEXT    NOT NULL,
                input               TEXT    NOT NULL,
                output              TEXT,
                error               TEXT,
                trigger             TEXT    NOT NULL,
                parent_execution_id TEXT,
                parent_node         TEXT,
                depth               INTEGER NOT NULL DEFAULT 0,
                idempotency_key     TEXT,
                request_hash        TEXT,
                steps_total         INTEGER NOT NULL,
                steps_done          INTEGER NOT NULL DEFAULT 0,
                created_by          TEXT    NOT NULL,
                created_at          INTEGER NOT NULL,
                finished_at         INTEGER,
                deadline_at         INTEGER
            ) STRICT;
            CREATE UNIQUE INDEX execution_idempotency ON execution (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
            CREATE INDEX execution_by_org ON execution (org_id, id);
            CREATE INDEX execution_by_workflow ON execution (workflow_id, id);
            CREATE INDEX execution_unfinished ON execution (status) WHERE status IN ('queued', 'running', 'waiting');
            CREATE INDEX execution_by_parent ON execution (parent_execution_id) WHERE parent_execution_id IS NOT NULL;

            -- One row per node: its current status, attempt and result.
            CREATE TABLE step_run (
                execution_id    TEXT    NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                node_id         TEXT    NOT NULL,
                status          TEXT    NOT NULL,
                attempt         INTEGER NOT NULL DEFAULT 0,
                output          TEXT,
                error           TEXT,
                started_at      INTEGER,
                finished_at     INTEGER,
                PRIMARY KEY (execution_id, node_id)
            ) STRICT;

            -- One job per step attempt (or resumption of a waiting step). A job is owned by the
            -- agentd instance that made or recovered it; `lease_token` fences completions: a
            -- worker holding an older token cannot complete the step.
            CREATE TABLE job (
                id              INTEGER PRIMARY KEY,
                execution_id    TEXT    NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                node_id         TEXT    NOT NULL,
                attempt         INTEGER NOT NULL,
                purpose         TEXT    NOT NULL DEFAULT 'run',
                org_id          TEXT    NOT NULL,
                status          TEXT    NOT NULL,
                ready_at        INTEGER NOT NULL,
                lease_owner     TEXT,
                lease_token     INTEGER NOT NULL DEFAULT 1,
                lease_expires_at INTEGER
            ) STRICT;
            CREATE INDEX job_open ON job (ready_at) WHERE status = 'open';
            CREATE INDEX job_by_execution ON job (execution_id);

            -- Every transition, in order per execution: what `events` streams.
            CREATE TABLE execution_event (
                execution_id    TEXT    NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                seq             INTEGER NOT NULL,
                at              INTEGER NOT NULL,
                type            TEXT    NOT NULL,
                node_id         TEXT,
                attempt         INTEGER,
                data            TEXT,
                PRIMARY KEY (execution_id, seq)
            ) STRICT;
            """),
        Migration(version: 14, name: "timer jobs", sql: """
            -- Jobs due later (retry backoff, delays) are what the timer polls for; jobs made ready
            -- by a commit go to the dispatcher directly and are not polled.
            ALTER TABLE job ADD COLUMN timer INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX job_timers ON job (ready_at) WHERE status = 'open' AND timer = 1;
            """),
        Migration(version: 15, name: "team secrets", sql: """
            -- A secret may belong to a team: only its members (and org admins) see its metadata,
            -- and only that team's executions read it. NULL: the whole org's.
            ALTER TABLE secret ADD COLUMN team_id TEXT REFERENCES team(id);
            """),
        Migration(version: 16, name: "execution counts", sql: """
            -- The monthly quota counts an org's executions since the 1st; running ones count for
            -- the concurrency quota: both on every start.
            CREATE INDEX execution_by_org_created ON execution (org_id, created_at);
            CREATE INDEX execution_by_org_status ON execution (org_id, status);
            """),
        Migration(version: 17, name: "models, costs and budgets", sql: """
            -- OpenAI-compatible model endpoints an org's llm steps call, with their prices in
            -- micro-dollars per million tokens. The API key is a vault path, never a value.
            CREATE TABLE model (
                id              TEXT    PRIMARY KEY,
                org_id          TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                name            TEXT    NOT NULL,
                base_url        TEXT    NOT NULL,
                model           TEXT    NOT NULL,
                api_key_secret  TEXT,
                input_price     INTEGER NOT NULL DEFAULT 0,
                output_price    INTEGER NOT NULL DEFAULT 0,
                timeout_ms      INTEGER NOT NULL,
                created_by      TEXT    NOT NULL,
                created_at      INTEGER NOT NULL,
                updated_at      INTEGER NOT NULL,
                UNIQUE (org_id, name)
            ) STRICT;

            -- One row per model call (an llm step's attempt makes one, or one per tool-calling
            -- iteration), written in the transaction that records the step's outcome.
            CREATE TABLE llm_call (
                id                  INTEGER PRIMARY KEY,
                org_id              TEXT    NOT NULL,
                team_id             TEXT,
                execution_id        TEXT    NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
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
            CREATE INDEX llm_call_by_execution ON llm_call (execution_id);
            CREATE INDEX llm_call_by_org ON llm_call (org_id, at);

            -- Costs summed per day (UTC), team, workflow, agent and model, maintained by the same
            -- transaction: what analytics and budgets read, so they stay fast on a long history.
            CREATE TABLE cost_daily (
                org_id              TEXT    NOT NULL,
                day                 TEXT    NOT NULL,
                team_id             TEXT    NOT NULL,
                workflow            TEXT    NOT NULL,
                agent               TEXT    NOT NULL,
                model               TEXT    NOT NULL,
                calls               INTEGER NOT NULL DEFAULT 0,
                failed_calls        INTEGER NOT NULL DEFAULT 0,
                prompt_tokens       INTEGER NOT NULL DEFAULT 0,
                completion_tokens   INTEGER NOT NULL DEFAULT 0,
                cost_micros         INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (org_id, day, team_id, workflow, agent, model)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX cost_daily_by_team ON cost_daily (org_id, team_id, day);

            ALTER TABLE execution ADD COLUMN cost_micros INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE execution ADD COLUMN prompt_tokens INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE execution ADD COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX execution_by_cost ON execution (org_id, cost_micros) WHERE cost_micros > 0;

            -- A spending limit for an org (team_id NULL) or one team, per period.
            CREATE TABLE budget (
                id              TEXT    PRIMARY KEY,
                org_id          TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id         TEXT    REFERENCES team(id) ON DELETE CASCADE,
                period          TEXT    NOT NULL,
                limit_micros    INTEGER NOT NULL,
                allow_overage   INTEGER NOT NULL DEFAULT 0,
                created_by      TEXT    NOT NULL,
                created_at      INTEGER NOT NULL,
                updated_at      INTEGER NOT NULL
            ) STRICT;
            CREATE UNIQUE INDEX budget_scope ON budget (org_id, coalesce(team_id, ''));

            -- What a running llm step may still cost, held against its budgets from the
            -- transaction that admits it until the one that records its outcome.
            CREATE TABLE budget_reservation (
                job_id          INTEGER PRIMARY KEY,
                org_id          TEXT    NOT NULL,
                team_id         TEXT,
                micros          INTEGER NOT NULL,
                created_at      INTEGER NOT NULL
            ) STRICT;

            -- Threshold alerts raised, once per budget, period and threshold.
            CREATE TABLE budget_alert (
                budget_id       TEXT    NOT NULL REFERENCES budget(id) ON DELETE CASCADE,
                period_start    INTEGER NOT NULL,
                threshold       INTEGER NOT NULL,
                spent_micros    INTEGER NOT NULL,
                at              INTEGER NOT NULL,
                PRIMARY KEY (budget_id, period_start, threshold)
            ) STRICT;
            """),
        Migration(version: 18, name: "llm checkpoints", sql: """
            -- A tool-calling llm step's conversation after each iteration, fenced by its job: a
            -- step taken over after a crash goes on from here instead of starting again.
            CREATE TABLE llm_checkpoint (
                execution_id    TEXT    NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                node_id         TEXT    NOT NULL,
                attempt         INTEGER NOT NULL,
                iteration       INTEGER NOT NULL,
                state           TEXT    NOT NULL,
                updated_at      INTEGER NOT NULL,
                PRIMARY KEY (execution_id, node_id)
            ) STRICT;
            """),
        Migration(version: 19, name: "reservation fencing", sql: """
            -- A reservation belongs to one lease of its job: a worker whose lease was taken over
            -- must not release the reservation of the worker that took it.
            ALTER TABLE budget_reservation ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(version: 20, name: "reservations in memory", sql: """
            -- Budget reservations live in memory (BudgetGate): they never outlive the process,
            -- and holding them needs no durable write per model call.
            DROP TABLE budget_reservation;
            """),
        Migration(version: 21, name: "queue lookups by status", sql: """
            -- Every execution that ends looks for queued executions of its org, oldest first,
            -- and a workflow with a concurrency limit counts its running executions. With only
            -- (org_id, status) and (workflow_id, id), SQLite walked every execution of the org
            -- (or workflow) ever run, so each end got slower as history grew.
            DROP INDEX execution_by_org_status;
            CREATE INDEX execution_by_org_status ON execution (org_id, status, id);
            CREATE INDEX execution_by_workflow_status ON execution (workflow_id, status);
            """),
        Migration(version: 22, name: "activity feed", sql: """
            -- The activity feed names the execution whose spend crossed a budget threshold and
            -- the limit then (a budget's limit may change later), and lists an org's failed
            -- executions newest first: a partial index holds only those.
            ALTER TABLE budget_alert ADD COLUMN execution_id TEXT;
            ALTER TABLE budget_alert ADD COLUMN limit_micros INTEGER;
            CREATE INDEX execution_failed ON execution (org_id, finished_at) WHERE status = 'failed';
            """),
    ]

    /// The schema version this binary writes.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Marks agentd's database files (`PRAGMA application_id`), so that agentd refuses to
    /// migrate some other program's SQLite file that a path typo pointed it at. ASCII "agtd".
    public static let applicationID: Int32 = 0x6167_7464
}
