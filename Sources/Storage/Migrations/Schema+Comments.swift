extension Schema {
    /// Migration 53 on: comments on workflows and executions (docs/collaboration.md#comments).
    /// Append only; see `Migration`.
    static let comments: [Migration] = [
        Migration(version: 53, name: "comments", sql: """
            -- A comment on a workflow or an execution, or a reply in a comment's thread
            -- (`thread_id`: the thread's first comment). Who may read it is who may read what it
            -- is about: nothing about teams is stored here, the target is joined. `doc` numbers
            -- it for the search index (stable across VACUUM).
            CREATE TABLE comment (
                doc          INTEGER PRIMARY KEY,
                id           TEXT    NOT NULL UNIQUE,
                org_id       TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                target_kind  TEXT    NOT NULL,
                target_id    TEXT    NOT NULL,
                node         TEXT,
                thread_id    TEXT,
                body         TEXT    NOT NULL,
                author       TEXT    NOT NULL,
                created_at   INTEGER NOT NULL,
                edited_at    INTEGER,
                resolved_at  INTEGER,
                resolved_by  TEXT
            ) STRICT;
            CREATE INDEX comment_by_target ON comment (target_id, created_at);
            CREATE INDEX comment_by_thread ON comment (thread_id, created_at) WHERE thread_id IS NOT NULL;

            -- The people a comment mentions (@login), each checked to see its target.
            CREATE TABLE comment_mention (
                comment_doc  INTEGER NOT NULL REFERENCES comment(doc) ON DELETE CASCADE,
                user_id      TEXT    NOT NULL,
                PRIMARY KEY (comment_doc, user_id)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX comment_mention_by_user ON comment_mention (user_id);

            -- Gone with what they are about (a workflow removed, an execution past retention).
            CREATE TRIGGER workflow_comments_delete AFTER DELETE ON workflow BEGIN
                DELETE FROM comment WHERE target_id = OLD.id;
            END;
            CREATE TRIGGER execution_comments_delete AFTER DELETE ON execution BEGIN
                DELETE FROM comment WHERE target_id = OLD.id;
            END;

            -- Searched like the rest (SearchIndex): the text stays in `comment`.
            CREATE VIEW comment_search AS
                SELECT doc, body, replace(org_id, '_', '') AS facets FROM comment;
            CREATE VIRTUAL TABLE comment_fts USING fts5 (
                body, facets, content = 'comment_search', content_rowid = 'doc', tokenize = 'unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER comment_search_insert AFTER INSERT ON comment BEGIN
                INSERT INTO comment_fts (rowid, body, facets) VALUES (NEW.doc, NEW.body, replace(NEW.org_id, '_', ''));
            END;
            CREATE TRIGGER comment_search_update AFTER UPDATE OF body ON comment BEGIN
                INSERT INTO comment_fts (comment_fts, rowid, body, facets) VALUES ('delete', OLD.doc, OLD.body, replace(OLD.org_id, '_', ''));
                INSERT INTO comment_fts (rowid, body, facets) VALUES (NEW.doc, NEW.body, replace(NEW.org_id, '_', ''));
            END;
            CREATE TRIGGER comment_search_delete AFTER DELETE ON comment BEGIN
                INSERT INTO comment_fts (comment_fts, rowid, body, facets) VALUES ('delete', OLD.doc, OLD.body, replace(OLD.org_id, '_', ''));
            END;
            """),
    ]
}
