extension Schema {
    /// Migration 54 on: share links (docs/collaboration.md#share-links). Append only; see `Migration`.
    static let sharing: [Migration] = [
        Migration(version: 54, name: "share links", sql: """
            -- A read-only link to one workflow or execution, opened without signing in until it
            -- expires or is revoked. The token's secret is kept only as a keyed hash (like an
            -- API key's); `uses` and `last_used_at` count openings (each is also audited).
            CREATE TABLE share_link (
                id            TEXT    PRIMARY KEY,
                org_id        TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                target_kind   TEXT    NOT NULL,
                target_id     TEXT    NOT NULL,
                secret_hash   BLOB    NOT NULL,
                created_by    TEXT    NOT NULL,
                created_at    INTEGER NOT NULL,
                expires_at    INTEGER NOT NULL,
                revoked_at    INTEGER,
                revoked_by    TEXT,
                uses          INTEGER NOT NULL DEFAULT 0,
                last_used_at  INTEGER
            ) STRICT;
            CREATE INDEX share_link_by_org ON share_link (org_id, created_at);
            CREATE INDEX share_link_by_target ON share_link (target_id);
            -- Gone with what they open.
            CREATE TRIGGER workflow_share_links_delete AFTER DELETE ON workflow BEGIN
                DELETE FROM share_link WHERE target_id = OLD.id;
            END;
            CREATE TRIGGER execution_share_links_delete AFTER DELETE ON execution BEGIN
                DELETE FROM share_link WHERE target_id = OLD.id;
            END;
            """),
    ]
}
