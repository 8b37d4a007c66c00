extension Schema {
    /// Migrations 27 on: the state machines enforced by the database too.
    /// Append only; see `Migration`.
    static let structure: [Migration] = [
        Migration(version: 27, name: "status checks", sql: """
            -- The status columns hold only the states of Core's tables (ExecutionStatus,
            -- StepStatus, JobStatus: Core/Execution/ExecutionStatus.swift), and an ended execution,
            -- an ended step run or a closed job never changes again. Storage writes statuses only
            -- through StatusTransitions, which checks the moves; these are the last line. SQLite
            -- adds a CHECK to an existing table only by copying the table, so they are triggers
            -- that act as CHECKs (SQLITE_CONSTRAINT_TRIGGER), before the row is written.
            CREATE TRIGGER execution_status_insert BEFORE INSERT ON execution
                WHEN NEW.status NOT IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled') BEGIN
                SELECT RAISE(ABORT, 'CHECK failed: execution.status is not a state of ExecutionStatus');
            END;
            CREATE TRIGGER execution_status_update BEFORE UPDATE OF status ON execution
                WHEN NEW.status NOT IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')
                    OR (OLD.status IN ('succeeded', 'failed', 'cancelled') AND NEW.status IS NOT OLD.status) BEGIN
                SELECT RAISE(ABORT, 'CHECK failed: execution.status is not a state of ExecutionStatus, or the execution has ended');
            END;
            CREATE TRIGGER step_run_status_insert BEFORE INSERT ON step_run
                WHEN NEW.status NOT IN ('pending', 'ready', 'running', 'retry_wait', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled') BEGIN
                SELECT RAISE(ABORT, 'CHECK failed: step_run.status is not a state of StepStatus');
            END;
            CREATE TRIGGER step_run_status_update BEFORE UPDATE OF status ON step_run
                WHEN NEW.status NOT IN ('pending', 'ready', 'running', 'retry_wait', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled')
                    OR (OLD.status IN ('succeeded', 'failed', 'skipped', 'cancelled') AND NEW.status IS NOT OLD.status) BEGIN
                SELECT RAISE(ABORT, 'CHECK failed: step_run.status is not a state of StepStatus, or the step has ended');
            END;
            CREATE TRIGGER job_status_insert BEFORE INSERT ON job
                WHEN NEW.status NOT IN ('open', 'done') BEGIN
                SELECT RAISE(ABORT, 'CHECK failed: job.status is not a state of JobStatus');
            END;
            CREATE TRIGGER job_status_update BEFORE UPDATE OF status ON job
                WHEN NEW.status NOT IN ('open', 'done') OR (OLD.status = 'done' AND NEW.status IS NOT OLD.status) BEGIN
                SELECT RAISE(ABORT, 'CHECK failed: job.status is not a state of JobStatus, or the job is closed');
            END;
            """),
    ]
}
