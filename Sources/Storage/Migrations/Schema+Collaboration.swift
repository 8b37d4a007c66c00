extension Schema {
    /// Migration 51 on: collaboration (docs/collaboration.md). Append only; see `Migration`.
    static let collaboration: [Migration] = [
        Migration(version: 51, name: "search index", sql: SearchIndexSQL.migration),
        Migration(version: 52, name: "saved searches and favourites", sql: """
            -- Each person's own lists in an org. `owner` is the user's ID, or `uid:N` for a
            -- socket administrator who is no user. What they point at is read through the
            -- caller's visibility every time: a favourite of something no longer visible is
            -- not shown (and not counted).
            CREATE TABLE saved_search (
                org_id      TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                owner       TEXT    NOT NULL,
                name        TEXT    NOT NULL,
                query       TEXT    NOT NULL,
                created_at  INTEGER NOT NULL,
                updated_at  INTEGER NOT NULL,
                PRIMARY KEY (org_id, owner, name)
            ) STRICT, WITHOUT ROWID;
            CREATE TABLE favorite (
                org_id      TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                owner       TEXT    NOT NULL,
                ref_id      TEXT    NOT NULL,
                kind        TEXT    NOT NULL,
                created_at  INTEGER NOT NULL,
                PRIMARY KEY (org_id, owner, ref_id)
            ) STRICT, WITHOUT ROWID;
            -- What each person opened last (a workflow, an agent, an execution): one row per
            -- thing, its time moved forward on each view, the oldest beyond 50 removed.
            CREATE TABLE recent_item (
                org_id      TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                owner       TEXT    NOT NULL,
                ref_id      TEXT    NOT NULL,
                kind        TEXT    NOT NULL,
                at          INTEGER NOT NULL,
                PRIMARY KEY (org_id, owner, ref_id)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX recent_item_by_time ON recent_item (org_id, owner, at);
            """),
    ]
}

/// The search index's SQL (migration 51), written out once here so the triggers that keep it
/// and the view it reads snippets from cannot disagree on what a row's indexed text is.
///
/// - `search_doc` numbers every indexed thing (`doc`, an INTEGER PRIMARY KEY, stable across
///   `VACUUM`, unlike the implicit rowid of tables keyed by text) and names it (`ref_id`).
/// - `execution_fts` indexes ended executions: error, input and output (inputs were masked by
///   the privacy rules before they were stored). Its text lives in `execution`: it is an
///   external-content index over the view `execution_search`, so the text is not stored twice.
///   An execution is indexed when it ends (its text is final then) and again if its text is
///   changed later (erasure); retention's deletes remove it. Which ended executions are indexed
///   is `search_setting.executions` (`[search] executions`): `failed` (failed and cancelled,
///   the default), `all`, or `none`. An execution is in the index exactly when it has a
///   `search_doc` row, so a changed setting never confuses what is there.
/// - `definition_fts` indexes workflows and agents: name, description, tags and the latest
///   version's document (its node configs). Few and small, so it keeps its own copy.
/// - `facets` holds words no one types (`org01…`, `team01…`/`teamnone`, `statusfailed`,
///   `wf01…`): the caller's org and teams and the filters go into the MATCH itself, so the
///   index narrows to what the caller may see before anything is ranked. The query also checks
///   org and team on the rows themselves (SearchIndex).
/// - Changing this SQL changes what migration 51 did: change the index with a new migration.
/// - Triggers keep both indexes in the same transaction as the rows they index: no way of
///   writing a definition or ending an execution can miss them.
enum SearchIndexSQL {
    /// Characters of one column that are indexed (the rest is stored, not searchable).
    static let indexedCharacters = 16_384
    static let ended = "('succeeded', 'failed', 'cancelled')"

    /// Whether `row` (an execution) is to be in the index under the current setting.
    static func wanted(_ row: String) -> String {
        "(\(row).status IN ('failed', 'cancelled') AND (SELECT executions FROM search_setting) IN ('failed', 'all')"
            + " OR \(row).status = 'succeeded' AND (SELECT executions FROM search_setting) = 'all')"
    }

    static func clip(_ expression: String) -> String { "substr(coalesce(\(expression), ''), 1, \(indexedCharacters))" }

    /// An execution row's indexed columns (error, input, output, facets) from `row` (NEW, OLD, e).
    static func executionColumns(_ row: String) -> String {
        "\(clip("\(row).error")), \(clip("\(row).input")), \(clip("\(row).output")), " + executionFacets(row)
    }

    static func executionFacets(_ row: String) -> String {
        "replace(\(row).org_id, '_', '') || ' ' || coalesce(replace(\(row).team_id, '_', ''), 'teamnone') || ' status' || \(row).status"
            + " || ' ' || replace(\(row).workflow_id, '_', '')"
    }

    /// Removes `row`'s entry (its values as they were indexed), when it has one.
    static func unindexExecution(_ row: String) -> String {
        """
        INSERT INTO execution_fts (execution_fts, rowid, error, input, output, facets)
            SELECT 'delete', d.doc, \(executionColumns(row)) FROM search_doc d WHERE d.ref_id = \(row).id;
        """
    }

    /// Indexes `row` if the setting wants it (its `search_doc` number kept if it had one).
    static func indexExecution(_ row: String) -> String {
        """
        INSERT OR IGNORE INTO search_doc (kind, ref_id) SELECT 'execution', \(row).id WHERE \(wanted(row));
        INSERT INTO execution_fts (rowid, error, input, output, facets)
            SELECT d.doc, \(executionColumns(row)) FROM search_doc d WHERE d.ref_id = \(row).id;
        """
    }

    /// Re-reads one workflow (`id` an SQL expression) into `definition_fts`.
    static func reindexWorkflow(_ id: String) -> String {
        "DELETE FROM definition_fts WHERE rowid = (SELECT doc FROM search_doc WHERE ref_id = \(id) AND kind = 'workflow');\n" + workflowRows(where: "w.id = \(id)")
    }

    /// Writes the workflows `condition` selects (over `w`) into `definition_fts`.
    static func workflowRows(where condition: String) -> String {
        """
        INSERT INTO definition_fts (rowid, name, description, tags, body, facets)
            SELECT d.doc, w.name, coalesce(w.description, ''),
                   coalesce((SELECT group_concat(tag, ' ') FROM definition_tag WHERE owner_id = w.id), ''),
                   \(clip("(SELECT document FROM workflow_version WHERE workflow_id = w.id AND version = w.latest_version)")),
                   replace(w.org_id, '_', '') || ' ' || coalesce(replace(w.team_id, '_', ''), 'teamnone')
                       || ' status' || CASE WHEN EXISTS (SELECT 1 FROM workflow_deployment WHERE workflow_id = w.id) THEN 'deployed' ELSE 'draft' END
                       || ' ' || replace(w.id, '_', '')
            FROM workflow w JOIN search_doc d ON d.ref_id = w.id WHERE \(condition);
        """
    }

    static func reindexAgent(_ id: String) -> String {
        "DELETE FROM definition_fts WHERE rowid = (SELECT doc FROM search_doc WHERE ref_id = \(id) AND kind = 'agent');\n" + agentRows(where: "a.id = \(id)")
    }

    static func agentRows(where condition: String) -> String {
        """
        INSERT INTO definition_fts (rowid, name, description, tags, body, facets)
            SELECT d.doc, a.name, coalesce(a.description, ''),
                   coalesce((SELECT group_concat(tag, ' ') FROM definition_tag WHERE owner_id = a.id), ''),
                   \(clip("(SELECT document FROM agent_version WHERE agent_id = a.id AND version = a.latest_version)")),
                   replace(a.org_id, '_', '') || ' ' || coalesce(replace(a.team_id, '_', ''), 'teamnone')
            FROM agent a JOIN search_doc d ON d.ref_id = a.id WHERE \(condition);
        """
    }

    static let migration = """
        -- Which ended executions are indexed: failed, all or none (`[search] executions`,
        -- written by agentd at each start).
        CREATE TABLE search_setting (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            executions  TEXT    NOT NULL CHECK (executions IN ('failed', 'all', 'none'))
        ) STRICT;
        INSERT INTO search_setting (id, executions) VALUES (1, 'failed');

        CREATE TABLE search_doc (
            doc     INTEGER PRIMARY KEY,
            kind    TEXT    NOT NULL,
            ref_id  TEXT    NOT NULL UNIQUE
        ) STRICT;

        CREATE VIEW execution_search AS
            SELECT d.doc AS doc, \(clip("e.error")) AS error, \(clip("e.input")) AS input, \(clip("e.output")) AS output,
                   \(executionFacets("e")) AS facets
            FROM search_doc d JOIN execution e ON e.id = d.ref_id WHERE d.kind = 'execution';
        CREATE VIRTUAL TABLE execution_fts USING fts5 (
            error, input, output, facets,
            content = 'execution_search', content_rowid = 'doc', tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE definition_fts USING fts5 (
            name, description, tags, body, facets, tokenize = 'unicode61 remove_diacritics 2'
        );

        -- Executions: indexed when they end, re-indexed when their text changes after (the
        -- old entry out, the new in under the same number; out for good if no longer wanted).
        CREATE TRIGGER execution_search_end AFTER UPDATE OF status, input, output, error, team_id ON execution
            WHEN NEW.status IN \(ended) AND (OLD.status IS NOT NEW.status OR OLD.input IS NOT NEW.input
                 OR OLD.output IS NOT NEW.output OR OLD.error IS NOT NEW.error OR OLD.team_id IS NOT NEW.team_id)
                 AND (\(wanted("NEW")) OR EXISTS (SELECT 1 FROM search_doc WHERE ref_id = NEW.id)) BEGIN
            \(unindexExecution("OLD"))
            DELETE FROM search_doc WHERE ref_id = NEW.id AND NOT \(wanted("NEW"));
            \(indexExecution("NEW"))
        END;
        CREATE TRIGGER execution_search_insert AFTER INSERT ON execution WHEN \(wanted("NEW")) BEGIN
            \(indexExecution("NEW"))
        END;
        CREATE TRIGGER execution_search_delete AFTER DELETE ON execution WHEN OLD.status IN \(ended) BEGIN
            \(unindexExecution("OLD"))
            DELETE FROM search_doc WHERE ref_id = OLD.id;
        END;

        -- Workflows and agents: re-read whenever they, their versions, tags or deployments change.
        CREATE TRIGGER workflow_search_insert AFTER INSERT ON workflow BEGIN
            INSERT OR IGNORE INTO search_doc (kind, ref_id) VALUES ('workflow', NEW.id);
            \(reindexWorkflow("NEW.id"))
        END;
        CREATE TRIGGER workflow_search_update AFTER UPDATE ON workflow BEGIN
            \(reindexWorkflow("NEW.id"))
        END;
        CREATE TRIGGER workflow_search_delete AFTER DELETE ON workflow BEGIN
            DELETE FROM definition_fts WHERE rowid = (SELECT doc FROM search_doc WHERE ref_id = OLD.id);
            DELETE FROM search_doc WHERE ref_id = OLD.id;
        END;
        CREATE TRIGGER workflow_version_search AFTER INSERT ON workflow_version BEGIN
            \(reindexWorkflow("NEW.workflow_id"))
        END;
        CREATE TRIGGER workflow_deployment_search_insert AFTER INSERT ON workflow_deployment BEGIN
            \(reindexWorkflow("NEW.workflow_id"))
        END;
        CREATE TRIGGER workflow_deployment_search_delete AFTER DELETE ON workflow_deployment BEGIN
            \(reindexWorkflow("OLD.workflow_id"))
        END;
        CREATE TRIGGER agent_search_insert AFTER INSERT ON agent BEGIN
            INSERT OR IGNORE INTO search_doc (kind, ref_id) VALUES ('agent', NEW.id);
            \(reindexAgent("NEW.id"))
        END;
        CREATE TRIGGER agent_search_update AFTER UPDATE ON agent BEGIN
            \(reindexAgent("NEW.id"))
        END;
        CREATE TRIGGER agent_search_delete AFTER DELETE ON agent BEGIN
            DELETE FROM definition_fts WHERE rowid = (SELECT doc FROM search_doc WHERE ref_id = OLD.id);
            DELETE FROM search_doc WHERE ref_id = OLD.id;
        END;
        CREATE TRIGGER agent_version_search AFTER INSERT ON agent_version BEGIN
            \(reindexAgent("NEW.agent_id"))
        END;
        -- A tag's owner is a workflow or an agent: each re-read touches only its own kind.
        CREATE TRIGGER definition_tag_search_insert AFTER INSERT ON definition_tag BEGIN
            \(reindexWorkflow("NEW.owner_id"))
            \(reindexAgent("NEW.owner_id"))
        END;
        CREATE TRIGGER definition_tag_search_delete AFTER DELETE ON definition_tag BEGIN
            \(reindexWorkflow("OLD.owner_id"))
            \(reindexAgent("OLD.owner_id"))
        END;

        -- What is there already.
        \(fill)
        """

    /// Indexes every workflow, agent and ended execution into empty indexes (executions in the
    /// order they ended, so `doc` order is newest-last, as the triggers number them).
    static let fill = """
        INSERT INTO search_doc (kind, ref_id) SELECT 'workflow', id FROM workflow ORDER BY id;
        INSERT INTO search_doc (kind, ref_id) SELECT 'agent', id FROM agent ORDER BY id;
        INSERT INTO search_doc (kind, ref_id) SELECT 'execution', id FROM execution WHERE \(wanted("execution")) ORDER BY finished_at, id;
        INSERT INTO execution_fts (execution_fts) VALUES ('rebuild');
        \(workflowRows(where: "1"))
        \(agentRows(where: "1"))
        """

    /// Empties both indexes and fills them again from the rows (`SearchIndex.rebuild`).
    static let rebuild = """
        INSERT INTO execution_fts (execution_fts) VALUES ('delete-all');
        DELETE FROM definition_fts;
        DELETE FROM search_doc;
        \(fill)
        INSERT INTO execution_fts (execution_fts) VALUES ('optimize');
        INSERT INTO definition_fts (definition_fts) VALUES ('optimize');
        """
}
