extension Schema {
    /// Migration 48 on: single sign-on with the site's identity providers (docs/sso.md).
    /// Append only; see `Migration`.
    static let sso: [Migration] = [
        Migration(version: 48, name: "single sign-on", sql: """
            -- An identity provider people of one org log in through (`/auth/login/NAME`):
            -- its kind (oidc) and settings as JSON (issuer, client, mappings, programs). The
            -- client secret is not here: it is in the org's vault, at the path the settings name.
            CREATE TABLE sso_provider (
                name       TEXT    PRIMARY KEY,
                org_id     TEXT    NOT NULL REFERENCES org(id) ON DELETE CASCADE,
                kind       TEXT    NOT NULL,
                settings   TEXT    NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT    NOT NULL,
                updated_at INTEGER NOT NULL,
                updated_by TEXT    NOT NULL
            ) STRICT;

            -- Which agentd user a provider's subject (`sub`) is, and the groups it last came with.
            CREATE TABLE sso_identity (
                provider      TEXT    NOT NULL REFERENCES sso_provider(name) ON DELETE CASCADE,
                subject       TEXT    NOT NULL,
                user_id       TEXT    NOT NULL REFERENCES user_account(id) ON DELETE CASCADE,
                groups        TEXT    NOT NULL,
                created_at    INTEGER NOT NULL,
                last_login_at INTEGER NOT NULL,
                PRIMARY KEY (provider, subject)
            ) STRICT;
            CREATE INDEX sso_identity_user ON sso_identity (user_id);

            -- A login under way: started at /auth/login (or by `agentctl login --sso`), waiting
            -- for the IdP to send the person back with `state`. Only a hash of the state is
            -- kept. A terminal's login also keeps a hash of its poll secret and, once the person
            -- is back, who they are and a hash of the one-time code the terminal exchanges.
            CREATE TABLE sso_login (
                state_hash    BLOB    PRIMARY KEY,
                provider      TEXT    NOT NULL REFERENCES sso_provider(name) ON DELETE CASCADE,
                nonce         TEXT    NOT NULL,
                verifier      TEXT    NOT NULL,
                return_to     TEXT    NOT NULL,
                loopback_port INTEGER,
                poll_hash     BLOB,
                code_hash     BLOB,
                user_id       TEXT    REFERENCES user_account(id) ON DELETE CASCADE,
                org_id        TEXT,
                created_at    INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX sso_login_created ON sso_login (created_at);
            CREATE UNIQUE INDEX sso_login_poll ON sso_login (poll_hash) WHERE poll_hash IS NOT NULL;

            -- The provider a session was opened through (NULL: a password or the socket), for
            -- the IdP's logout.
            ALTER TABLE session ADD COLUMN sso_provider TEXT;

            -- An org that requires SSO refuses password logins except of the named break-glass
            -- logins (JSON array).
            ALTER TABLE org ADD COLUMN sso_required INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE org ADD COLUMN sso_break_glass TEXT NOT NULL DEFAULT '[]';
            """),
        Migration(version: 49, name: "saml assertion replay", sql: """
            -- SAML assertion IDs already used, kept until the assertion could no longer be used
            -- anyway: the same assertion posted twice is refused.
            CREATE TABLE sso_saml_assertion (
                provider   TEXT    NOT NULL,
                id         TEXT    NOT NULL,
                expires_at INTEGER NOT NULL,
                PRIMARY KEY (provider, id)
            ) STRICT;
            CREATE INDEX sso_saml_assertion_expiry ON sso_saml_assertion (expires_at);
            """),
    ]
}
