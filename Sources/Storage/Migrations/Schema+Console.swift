import Core

extension Schema {
    /// Migration 50 on: the web console (docs/console.md). Append only; see `Migration`.
    static let console: [Migration] = [
        Migration(version: 50, name: "executions by hour", sql: """
            -- Ended executions counted by the hour they ended in, outcome, team ('' for none)
            -- and duration bucket (Core's DurationBuckets): what the dashboard reads, so its
            -- day of counts and percentiles costs a few hundred rows however long the history.
            -- Kept by a trigger, like execution_tally, so no way of ending an execution can miss
            -- it; retention leaves it (it holds no execution's data).
            CREATE TABLE execution_hour (
                org_id  TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                hour    INTEGER NOT NULL,
                team_id TEXT    NOT NULL,
                status  TEXT    NOT NULL,
                bucket  INTEGER NOT NULL,
                n       INTEGER NOT NULL,
                PRIMARY KEY (org_id, hour, team_id, status, bucket)
            ) STRICT, WITHOUT ROWID;

            INSERT INTO execution_hour (org_id, hour, team_id, status, bucket, n)
            SELECT org_id, finished_at / 3600000 * 3600000, coalesce(team_id, ''), status,
                   \(DurationBuckets.sql("max(0, finished_at - created_at)")), count(*)
            FROM execution WHERE finished_at IS NOT NULL AND status IN ('succeeded', 'failed', 'cancelled')
            GROUP BY 1, 2, 3, 4, 5;
            CREATE TRIGGER execution_hour_end AFTER UPDATE OF status ON execution
                WHEN NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status NOT IN ('succeeded', 'failed', 'cancelled')
                     AND NEW.finished_at IS NOT NULL BEGIN
                INSERT INTO execution_hour (org_id, hour, team_id, status, bucket, n)
                VALUES (NEW.org_id, NEW.finished_at / 3600000 * 3600000, coalesce(NEW.team_id, ''), NEW.status,
                        \(DurationBuckets.sql("max(0, NEW.finished_at - NEW.created_at)")), 1)
                    ON CONFLICT (org_id, hour, team_id, status, bucket) DO UPDATE SET n = n + 1;
            END;
            """),
    ]
}
