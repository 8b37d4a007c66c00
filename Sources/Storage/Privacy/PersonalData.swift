/// Where agentd keeps data about people, table by table (docs/compliance.md#personal-data):
/// the map that GDPR export and erasure follow. Every table is listed, those without personal
/// data too, so a table or a column naming people cannot be added without a decision:
/// `PersonalDataTests` compares this map with the migrated schema.
public enum PersonalData {
    /// How one table relates to people.
    public struct Table: Sendable, Equatable {
        /// Columns that name a person: a user id, a login, an actor (`user:alice`, `uid:1000`),
        /// who created or decided something. Export finds the person's rows by these; erasure
        /// pseudonymises them (or removes the row where it exists only for that person).
        public let names: [String]
        /// Columns of free text or payloads that may mention a person (inputs, outputs,
        /// comments, messages): found by PII detection, not by id.
        public let mentions: [String]

        public init(names: [String] = [], mentions: [String] = []) {
            self.names = names
            self.mentions = mentions
        }

        public static let none = Table()
    }

    /// Column names that, wherever they appear, name a person: a new column with such a name
    /// must be listed in its table's `names`.
    public static func looksLikeAPerson(_ column: String) -> Bool {
        column.hasSuffix("_by") || ["user_id", "owner", "author", "login", "actor", "delegate_id", "on_behalf_of", "on_behalf_of_login", "requested_actor",
                                    "unix_uid"].contains(column)
    }

    /// Tables whose rows exist only for one person: erasure removes the rows where any of these
    /// columns holds the person's user id (the account itself among them).
    public static let ownRows: [String: [String]] = [
        "api_key": ["user_id"], "approval_delegation": ["user_id", "delegate_id"], "membership": ["user_id"],
        "mfa_recovery_code": ["user_id"], "mfa_totp": ["user_id"], "saved_search": ["owner"], "favorite": ["owner"], "recent_item": ["owner"], "password": ["user_id"], "password_history": ["user_id"],
        "session": ["user_id"], "sso_identity": ["user_id"], "sso_login": ["user_id"], "team_member": ["user_id"],
        "user_account": ["id"],
    ]

    /// Columns that export shows as `[withheld]`: verifiers of credentials and sealed values,
    /// which say nothing to the person and would help someone who obtained the export.
    public static let withheld: Set<String> = ["hash", "secret_hash", "secret_box", "code_hash", "wrapped_key", "ciphertext"]

    public static let tables: [String: Table] = [
        "agent": Table(names: ["created_by", "updated_by"], mentions: ["description"]),
        "agent_version": Table(names: ["created_by"], mentions: ["message"]),
        "alert_channel": Table(names: ["created_by"], mentions: ["config"]),  // e-mail recipients
        "alert_delivery": Table(mentions: ["notification"]),
        "alert_event": .none,
        "alert_instance": .none,
        "alert_rule": Table(names: ["created_by"], mentions: ["description"]),
        "alert_silence": Table(names: ["created_by", "ended_by"], mentions: ["comment"]),
        "api_key": Table(names: ["user_id", "created_by"], mentions: ["name"]),
        "approval": Table(names: ["requested_by"], mentions: ["message"]),
        "approval_delegation": Table(names: ["user_id", "delegate_id"]),
        "approval_vote": Table(names: ["user_id", "login", "on_behalf_of", "on_behalf_of_login"], mentions: ["comment"]),
        "audit_checkpoint": .none,
        "audit_event": Table(names: ["actor", "target_id"], mentions: ["details"]),
        "audit_forward_cursor": .none,
        "budget": Table(names: ["created_by"]),
        "budget_alert": .none,
        "change_policy": Table(names: ["updated_by"]),
        "change_request": Table(names: ["requested_by", "requested_actor"], mentions: ["summary", "payload", "diff"]),
        "change_secret": .none,  // sealed values: the vault's, not readable here
        "change_vote": Table(names: ["user_id", "login", "on_behalf_of", "on_behalf_of_login"], mentions: ["comment"]),
        "cost_daily": .none,
        "custom_role": Table(names: ["created_by"]),
        "definition_tag": .none,
        "environment": Table(names: ["created_by", "updated_by"], mentions: ["description"]),
        "error_forward_cursor": .none,
        "error_group": Table(mentions: ["message", "sample_message"]),
        "execution": Table(names: ["created_by"], mentions: ["input", "output", "error"]),
        "execution_event": Table(mentions: ["data"]),
        "execution_tally": .none,
        "execution_hour": .none,
        "installation": .none,
        "job": .none,
        "llm_call": .none,
        "llm_checkpoint": Table(mentions: ["state"]),  // a conversation in progress
        "membership": Table(names: ["user_id", "created_by"]),
        "mfa_recovery_code": Table(names: ["user_id"]),
        "mfa_totp": Table(names: ["user_id"]),
        "model": Table(names: ["created_by"]),
        "org": Table(mentions: ["sso_break_glass"]),  // logins that may still use a password
        "password": Table(names: ["user_id"]),
        "password_history": Table(names: ["user_id"]),
        "promotion": Table(names: ["promoted_by"], mentions: ["evidence"]),
        "retention_pass": .none,
        "schedule": Table(names: ["created_by"], mentions: ["input"]),
        "schedule_fire": .none,
        "saved_search": Table(names: ["owner"], mentions: ["query"]),
        "comment": Table(names: ["author", "resolved_by"], mentions: ["body"]),
        "comment_mention": Table(names: ["user_id"]),
        "share_link": Table(names: ["created_by", "revoked_by"]),
        "comment_fts": .none, "comment_fts_config": .none, "comment_fts_data": .none, "comment_fts_docsize": .none, "comment_fts_idx": .none,
        "favorite": Table(names: ["owner"]),
        "recent_item": Table(names: ["owner"]),
        "schema_migration": .none,
        // The search index (migration 51): tokens and copies of indexed columns of the tables
        // above, rewritten by triggers whenever those rows change (erasure among the changes).
        "search_doc": .none,
        "search_setting": .none,
        "execution_fts": .none, "execution_fts_config": .none, "execution_fts_data": .none, "execution_fts_docsize": .none,
        "execution_fts_idx": .none,
        "definition_fts": .none, "definition_fts_config": .none, "definition_fts_content": .none, "definition_fts_data": .none,
        "definition_fts_docsize": .none, "definition_fts_idx": .none,
        "secret": Table(names: ["created_by", "updated_by"]),
        "secret_version": Table(names: ["created_by"]),
        "session": Table(names: ["user_id"], mentions: ["client"]),  // the client's address and agent
        "sso_identity": Table(names: ["user_id"], mentions: ["subject", "groups"]),  // the IdP's id of the person, their groups
        "sso_login": Table(names: ["user_id"]),
        "sso_saml_assertion": .none,
        "sso_provider": Table(names: ["created_by", "updated_by"], mentions: ["settings"]),  // programs name service accounts
        "step_run": Table(mentions: ["output", "error"]),
        "team": Table(names: ["created_by"]),
        "team_member": Table(names: ["user_id"]),
        "user_account": Table(names: ["id", "login", "display_name", "unix_uid", "created_by"]),
        "vault_key": .none,
        "webhook": Table(names: ["created_by"]),
        "webhook_delivery": Table(mentions: ["remote", "detail"]),  // the caller's address
        "workflow": Table(names: ["created_by", "updated_by"], mentions: ["description"]),
        "workflow_agent_use": .none,
        "workflow_deployment": Table(names: ["deployed_by"]),
        "workflow_version": Table(names: ["created_by"], mentions: ["message", "document"]),
    ]
}
