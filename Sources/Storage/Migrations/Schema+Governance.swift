extension Schema {
    /// Migrations 32 on: approvals (docs/governance.md). Append only; see `Migration`.
    static let governance: [Migration] = [
        Migration(version: 32, name: "approvals", sql: """
            -- An `approval` step's request: opened when the step starts (the step waits, no
            -- worker held), ended once (ApprovalStatus in Core) by the decision that reaches the
            -- quorum or rejects, by its expiry (a timer job), or by its execution's end. The
            -- policy is the step's config as it was then, so a redeploy does not change a waiting
            -- request. `requested_by`: the user who started the execution, who may not decide.
            CREATE TABLE approval (
                id            TEXT    PRIMARY KEY,
                org_id        TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id       TEXT,
                execution_id  TEXT    NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
                node_id       TEXT    NOT NULL,
                attempt       INTEGER NOT NULL,
                workflow_name TEXT    NOT NULL,
                environment   TEXT    NOT NULL,
                policy        TEXT    NOT NULL,
                message       TEXT,
                requested_by  TEXT,
                status        TEXT    NOT NULL CONSTRAINT approval_status
                    CHECK (status = 'pending' OR status = 'approved' OR status = 'rejected' OR status = 'expired' OR status = 'cancelled'),
                created_at    INTEGER NOT NULL,
                expires_at    INTEGER,
                decided_at    INTEGER,
                UNIQUE (execution_id, node_id, attempt)
            ) STRICT;
            CREATE INDEX approval_by_org ON approval (org_id, id);
            CREATE INDEX approval_pending ON approval (org_id, id) WHERE status = 'pending';
            -- One decision per person; `on_behalf_of` when it used a right delegated to them.
            CREATE TABLE approval_vote (
                approval_id        TEXT    NOT NULL REFERENCES approval(id) ON DELETE CASCADE,
                user_id            TEXT    NOT NULL,
                login              TEXT    NOT NULL,
                on_behalf_of       TEXT,
                on_behalf_of_login TEXT,
                choice             TEXT    NOT NULL CONSTRAINT approval_vote_choice CHECK (choice = 'approve' OR choice = 'reject'),
                comment            TEXT,
                at                 INTEGER NOT NULL,
                PRIMARY KEY (approval_id, user_id)
            ) STRICT, WITHOUT ROWID;
            -- A person's approval rights lent to a colleague until a time (one at a time).
            CREATE TABLE approval_delegation (
                org_id      TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                user_id     TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                delegate_id TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                until       INTEGER NOT NULL,
                created_at  INTEGER NOT NULL,
                PRIMARY KEY (org_id, user_id)
            ) STRICT;
            CREATE INDEX approval_delegation_to ON approval_delegation (org_id, delegate_id);
            """),
        Migration(version: 33, name: "workflow branches", sql: """
            -- A workflow's versions form a graph: each has its parent, a merge also the branch
            -- head it merged (`merged_from`). Versions on a branch other than main are never
            -- deployed and never move `workflow.latest_version` (main's head); version numbers
            -- stay one sequence per workflow across branches.
            ALTER TABLE workflow_version ADD COLUMN branch TEXT NOT NULL DEFAULT 'main';
            ALTER TABLE workflow_version ADD COLUMN merged_from INTEGER;
            CREATE INDEX workflow_version_branch ON workflow_version (workflow_id, branch, version);
            """),
        Migration(version: 34, name: "promotions", sql: """
            -- A workflow version moved from one environment to the next: exactly the version
            -- deployed in `from_env`, and only once it has run there (`evidence`: a succeeded
            -- execution of that version in that environment).
            CREATE TABLE promotion (
                id           INTEGER PRIMARY KEY,
                org_id       TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                workflow_id  TEXT    NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
                from_env     TEXT    NOT NULL,
                to_env       TEXT    NOT NULL,
                version      INTEGER NOT NULL,
                replaced     INTEGER,
                evidence     TEXT    NOT NULL,
                promoted_at  INTEGER NOT NULL,
                promoted_by  TEXT    NOT NULL
            ) STRICT;
            CREATE INDEX promotion_by_workflow ON promotion (workflow_id, id);
            """),
        Migration(version: 35, name: "change requests", sql: """
            -- An org's acts held until approved (ChangeAction in Core), and the requests they
            -- open: what would be done (`payload`, carried out in the unit of the last approval),
            -- its difference from what is (`diff`), who asked, the policy as it was then.
            CREATE TABLE change_policy (
                org_id      TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                action      TEXT    NOT NULL,
                policy      TEXT    NOT NULL,
                updated_at  INTEGER NOT NULL,
                updated_by  TEXT    NOT NULL,
                PRIMARY KEY (org_id, action)
            ) STRICT;
            CREATE TABLE change_request (
                id            TEXT    PRIMARY KEY,
                org_id        TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                team_id       TEXT,
                action        TEXT    NOT NULL,
                target_id     TEXT    NOT NULL,
                target_name   TEXT    NOT NULL,
                summary       TEXT    NOT NULL,
                payload       TEXT    NOT NULL,
                diff          TEXT,
                policy        TEXT    NOT NULL,
                requested_by  TEXT,
                requested_actor TEXT  NOT NULL,
                status        TEXT    NOT NULL CONSTRAINT change_request_status
                    CHECK (status = 'pending' OR status = 'approved' OR status = 'rejected' OR status = 'expired' OR status = 'cancelled'),
                created_at    INTEGER NOT NULL,
                decided_at    INTEGER,
                result        TEXT
            ) STRICT;
            CREATE INDEX change_request_by_org ON change_request (org_id, id);
            CREATE TABLE change_vote (
                change_id          TEXT    NOT NULL REFERENCES change_request(id) ON DELETE CASCADE,
                user_id            TEXT    NOT NULL,
                login              TEXT    NOT NULL,
                on_behalf_of       TEXT,
                on_behalf_of_login TEXT,
                choice             TEXT    NOT NULL CONSTRAINT change_vote_choice CHECK (choice = 'approve' OR choice = 'reject'),
                comment            TEXT,
                at                 INTEGER NOT NULL,
                PRIMARY KEY (change_id, user_id)
            ) STRICT, WITHOUT ROWID;
            """),
        Migration(version: 36, name: "change request expiry", sql: """
            -- A policy may give requests a lifetime (`expires_in`); a request nobody decided by
            -- `expires_at` becomes `expired` (the engine's timer pass, or the first decision
            -- that comes too late) and nothing is done.
            ALTER TABLE change_request ADD COLUMN expires_at INTEGER;
            CREATE INDEX change_request_expiring ON change_request (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;
            """),
        Migration(version: 37, name: "held secret values", sql: """
            -- The value of a prod secret write held for approval (`secret.prod`): sealed by the
            -- vault like any version, under the reference version 0 (no stored version has it),
            -- until the last approval re-seals it as the secret's next version. Dropped when the
            -- request ends any other way; never readable through a route.
            CREATE TABLE change_secret (
                change_id    TEXT    PRIMARY KEY REFERENCES change_request(id) ON DELETE CASCADE,
                org_id       TEXT    NOT NULL,
                environment  TEXT    NOT NULL,
                path         TEXT    NOT NULL,
                key_id       TEXT    NOT NULL,
                wrapped_key  BLOB    NOT NULL,
                ciphertext   BLOB    NOT NULL
            ) STRICT;
            """),
        Migration(version: 38, name: "environments", sql: """
            -- An org's environments beyond dev, staging and prod (which every org has without a
            -- row), and the settings of any of them: EnvironmentSettings in Core, as JSON.
            CREATE TABLE environment (
                org_id       TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                name         TEXT    NOT NULL,
                description  TEXT    NOT NULL DEFAULT '',
                settings     TEXT    NOT NULL DEFAULT '{}',
                created_at   INTEGER NOT NULL,
                created_by   TEXT    NOT NULL,
                updated_at   INTEGER NOT NULL,
                updated_by   TEXT    NOT NULL,
                PRIMARY KEY (org_id, name)
            ) STRICT, WITHOUT ROWID;
            """),
        ]
}
