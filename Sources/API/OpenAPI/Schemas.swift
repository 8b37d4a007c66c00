import Core

/// JSON Schemas of response bodies, shared by route declarations and the OpenAPI document.
enum Schemas {
    static let timestamp: JSON = ["type": "string", "format": "date-time"]
    /// An environment's name: dev, staging, prod, or one the org added (`agentctl envs create`).
    static let environment: JSON = ["type": "string", "pattern": .string(DeployEnvironment.namePattern)]
    /// An environment's name, or `none`: nowhere.
    static let environmentOrNone: JSON = ["anyOf": [environment, ["enum": ["none"]]]]

    static let health: JSON = [
        "type": "object", "required": ["status"],
        "properties": ["status": ["type": "string"]],
    ]

    static let org: JSON = [
        "type": "object",
        "required": ["id", "name", "display_name", "created_at", "updated_at"],
        "properties": [
            "id": ["type": "string", "pattern": "^org_[0-9A-HJKMNP-TV-Z]{26}$"],
            "name": ["type": "string"],
            "display_name": ["type": "string"],
            "created_at": timestamp,
            "updated_at": timestamp,
        ],
    ]

    static func list(of item: JSON) -> JSON {
        [
            "type": "object", "required": ["items"],
            "properties": [
                "items": ["type": "array", "items": item],
                "next_cursor": ["type": "string", "description": "Pass as `cursor` for the next page; absent on the last page."],
            ],
        ]
    }

    static let writer: JSON = [
        "type": "object",
        "properties": [
            "commits": ["type": "integer"], "failed_commits": ["type": "integer"],
            "units": ["type": "integer"], "failed_units": ["type": "integer"],
            "max_batch": ["type": "integer"], "mean_batch": ["type": "number"],
            "total_commit_micros": ["type": "integer"], "max_commit_micros": ["type": "integer"],
            "mean_commit_micros": ["type": "number"],
        ],
    ]

    static let status: JSON = [
        "type": "object",
        "required": ["version", "schema_version", "database", "started_at", "uptime_seconds", "writer"],
        "properties": [
            "version": ["type": "string"],
            "schema_version": ["type": "integer"],
            "database": [
                "type": "object",
                "properties": [
                    "path": ["type": "string"], "size_bytes": ["type": "integer"], "synchronous": ["type": "string"],
                ],
            ],
            "started_at": timestamp,
            "uptime_seconds": ["type": "number"],
            "dev_mode": ["type": "boolean"],
            "writer": writer,
            "audit_forward": [
                "type": "object", "description": "Present when [audit] forward is set: how far the target has received the chain.",
                "properties": [
                    "target": ["type": "string"], "forwarded_seq": ["type": "integer"], "head_seq": ["type": "integer"],
                    "lag": ["type": "integer", "description": "Events not yet forwarded."],
                    "updated_at": ["type": ["string", "null"]], "last_error": ["type": ["string", "null"], "description": "Why it keeps failing, while it does."],
                ],
            ],
            "sentry": [
                "type": "object", "description": "Present when [errors] sentry_dsn is set: how far failures have been sent.",
                "properties": [
                    "target": ["type": "string"], "last_sent_failure_at": ["type": ["string", "null"]],
                    "pending": ["type": "integer", "description": "Failures not yet sent."],
                    "last_error": ["type": ["string", "null"]],
                ],
            ],
            "alerts": [
                "type": "object", "description": "Alerting across every org.",
                "properties": [
                    "firing": ["type": "integer"], "pending": ["type": "integer"],
                    "channels_down": ["type": "integer", "description": "Channels whose deliveries gave up (agentctl alerts channels list)."],
                    "undelivered": ["type": "integer", "description": "Notifications not yet taken by their channel."],
                ],
            ],
        ],
    ]

    static let auditEvent: JSON = [
        "type": "object",
        "required": ["seq", "at", "actor", "action", "outcome", "details", "prev_hash", "hash"],
        "properties": [
            "seq": ["type": "integer"], "at": timestamp, "org_id": ["type": "string"],
            "actor": ["type": "string"], "action": ["type": "string"], "outcome": ["type": "string"],
            "target_type": ["type": "string"], "target_id": ["type": "string"], "request_id": ["type": "string"],
            "details": ["type": "object", "additionalProperties": ["type": "string"]],
            "prev_hash": ["type": "string"], "hash": ["type": "string"],
            "form": ["type": "integer", "description": "1: every field hashed as written; 2: person fields (actor, target_id, details values) salted and hashed, so erasure can replace them (docs/security.md)."],
            "salt": ["type": "string", "description": "Form 2: the row's salt (absent once erasure changed the row)."],
            "sealed": ["type": "object", "additionalProperties": ["type": "string"],
                       "description": "Form 2, after erasure: per person field, c:<hash> for a replaced value or s:<salt> for a kept one."],
        ],
    ]

    static let auditVerification: JSON = [
        "type": "object",
        "required": ["ok", "checked", "last_seq"],
        "properties": [
            "ok": ["type": "boolean"], "checked": ["type": "integer"], "last_seq": ["type": "integer"],
            "broken_seq": ["type": "integer"], "reason": ["type": "string"],
            "checkpoints_checked": ["type": "integer", "minimum": 0],
            "removed_through": ["type": "integer", "minimum": 0, "description": "Rows 1 to this were removed by retention (0: none)."],
            "last_checkpoint": [
                "type": "object", "required": ["number", "count", "head_hash", "at"],
                "properties": [
                    "number": ["type": "integer", "minimum": 1], "count": ["type": "integer", "minimum": 1],
                    "head_hash": ["type": "string", "pattern": "^[0-9a-f]{64}$"], "at": ["type": "string", "format": "date-time"],
                ],
            ],
            "checkpoint_problem": [
                "type": "object", "required": ["kind", "checkpoint", "reason"],
                "properties": [
                    "kind": ["type": "string", "enum": ["truncated", "rewritten", "forged", "checkpoints_missing", "start_removed"]],
                    "checkpoint": ["type": "integer"], "reason": ["type": "string"],
                ],
            ],
        ],
    ]

    static let membership: JSON = [
        "type": "object", "required": ["org_id", "user_id", "role"],
        "properties": ["org_id": ["type": "string"], "user_id": ["type": "string"], "role": ["type": "string"]],
    ]

    static let user: JSON = [
        "type": "object",
        "required": ["id", "login", "display_name", "disabled", "created_at", "memberships"],
        "properties": [
            "id": ["type": "string"], "login": ["type": "string"], "display_name": ["type": "string"],
            "unix_uid": ["type": "integer"], "disabled": ["type": "boolean"], "created_at": timestamp,
            "memberships": ["type": "array", "items": membership],
        ],
    ]

    static let whoami: JSON = [
        "type": "object",
        "required": ["name", "org_id", "reach", "roles", "permissions"],
        "properties": [
            "name": ["type": "string"], "user_id": ["type": "string"], "login": ["type": "string"],
            "org_id": ["type": "string"], "reach": ["type": "string", "enum": ["org", "installation"]],
            "mfa_enrolment_required": ["type": "boolean"],
            "roles": ["type": "array", "items": ["type": "string"]],
            "teams": ["type": "array", "items": ["type": "string"]],
            "permissions": ["type": "array", "items": ["type": "string"]],
        ],
    ]

    static let apiKey: JSON = [
        "type": "object",
        "required": ["id", "org_id", "user_id", "name", "created_at"],
        "properties": [
            "id": ["type": "string"], "org_id": ["type": "string"], "user_id": ["type": "string"], "name": ["type": "string"],
            "scopes": ["type": "array", "items": ["type": "string"]], "expires_at": timestamp, "revoked_at": timestamp,
            "last_used_at": timestamp, "created_at": timestamp,
        ],
    ]

    static let apiKeyWithToken: JSON = [
        "allOf": [apiKey, ["type": "object", "required": ["token"], "properties": ["token": ["type": "string", "description": "Shown once."]]]],
    ]

    static let session: JSON = [
        "type": "object",
        "required": ["id", "user_id", "org_id", "created_at", "last_seen_at", "expires_at", "client"],
        "properties": [
            "id": ["type": "string"], "user_id": ["type": "string"], "org_id": ["type": "string"],
            "created_at": timestamp, "last_seen_at": timestamp, "expires_at": timestamp, "client": ["type": "string"],
            "mfa_pending": ["type": "boolean", "description": "The session may only enrol in MFA."],
        ],
    ]

    static let cookieLogin: JSON = [
        "type": "object", "required": ["session", "csrf_token"],
        "properties": ["session": session, "csrf_token": ["type": "string", "description": "Send as X-CSRF-Token on unsafe requests."]],
    ]

    static let sessionWithToken: JSON = [
        "allOf": [session, ["type": "object", "required": ["token"], "properties": ["token": ["type": "string", "description": "Shown once."]]]],
    ]

    static let totpEnrolment: JSON = [
        "type": "object", "required": ["otpauth_uri", "secret", "recovery_codes"],
        "properties": [
            "otpauth_uri": ["type": "string"], "secret": ["type": "string"],
            "recovery_codes": ["type": "array", "items": ["type": "string"]],
        ],
    ]

    static let mfaPolicy: JSON = [
        "type": "object", "required": ["required_roles"],
        "properties": ["required_roles": ["type": "array", "items": ["type": "string"]]],
    ]

    static let team: JSON = [
        "type": "object", "required": ["id", "org_id", "name", "created_at", "members"],
        "properties": [
            "id": ["type": "string"], "org_id": ["type": "string"], "name": ["type": "string"], "created_at": timestamp,
            "members": ["type": "array", "items": ["type": "object", "properties": [
                "user_id": ["type": "string"], "login": ["type": "string"], "role": ["type": "string"],
            ]]],
        ],
    ]

    static let quota: JSON = [
        "type": "object", "required": ["org_id", "plan", "quotas"],
        "properties": [
            "org_id": ["type": "string"], "plan": ["type": "string"],
            "quotas": ["type": "object", "additionalProperties": ["type": "object", "properties": [
                "limit": ["type": ["integer", "null"]], "used": ["type": "integer"],
            ]]],
        ],
    ]

    static let retention: JSON = [
        "type": "object", "required": ["org_id", "org", "executions", "step_payloads", "audit", "due"],
        "properties": [
            "org_id": ["type": "string"], "org": ["type": "string"],
            "executions": retentionPeriod, "step_payloads": retentionPeriod, "audit": retentionPeriod,
            "due": ["type": "object", "properties": ["executions": ["type": "integer"], "step_payloads": ["type": "integer"]]],
        ],
    ]

    static let privacy: JSON = [
        "type": "object", "required": ["org_id", "org", "pii", "kinds", "patterns", "set"],
        "properties": [
            "org_id": ["type": "string"], "org": ["type": "string"],
            "pii": ["type": "string", "enum": .array(PIIAction.allCases.map { .string($0.rawValue) })],
            "kinds": ["type": "array", "items": ["type": "string"]],
            "patterns": ["type": "array", "items": ["type": "object", "required": ["name", "regex"],
                                                    "properties": ["name": ["type": "string"], "regex": ["type": "string"]]]],
            "set": ["type": "boolean", "description": "False while the org has never set a policy (it is off)."],
        ],
    ]

    static let archiveMonths: JSON = [
        "type": "object", "required": ["items"],
        "properties": ["items": ["type": "array", "items": [
            "type": "object", "required": ["month", "executions", "bytes"],
            "properties": ["month": ["type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"], "executions": ["type": "integer"], "bytes": ["type": "integer"]],
        ]]],
    ]

    static let archiveRestore: JSON = [
        "type": "object", "required": ["month", "restored", "present", "orphaned", "held_until"],
        "properties": [
            "month": ["type": "string"], "restored": ["type": "integer"], "present": ["type": "integer"], "orphaned": ["type": "integer"],
            "held_until": ["type": "string", "format": "date-time"],
        ],
    ]

    static let personExport: JSON = [
        "type": "object", "required": ["subject", "tables", "archived_executions", "exported_at"],
        "properties": [
            "subject": ["type": "object", "description": "login, user_id, display_name, api_keys"],
            "tables": ["type": "object", "description": "Per table, the rows that name or mention the person, every column as stored; credential verifiers show as [withheld].",
                       "additionalProperties": ["type": "array", "items": ["type": "object"]]],
            "archived_executions": ["type": "array", "items": ["type": "object"]],
            "exported_at": ["type": "string", "format": "date-time"],
        ],
    ]

    static let personErasure: JSON = [
        "type": "object", "required": ["pseudonym", "removed", "pseudonymised", "audit_kept_unsealed", "archived_executions", "log_truncated"],
        "properties": [
            "pseudonym": ["type": "string", "description": "What now stands for the person: erased: and 16 hex digits."],
            "removed": ["type": "object", "additionalProperties": ["type": "integer"]],
            "pseudonymised": ["type": "object", "additionalProperties": ["type": "integer"]],
            "audit_kept_unsealed": ["type": "integer", "description": "Audit events from before sealed rows existed that name the person, kept until audit retention removes them."],
            "archived_executions": ["type": "integer"],
            "log_truncated": ["type": "boolean"],
        ],
    ]

    static let retentionPeriod: JSON = [
        "type": "object", "required": ["period", "source"],
        "properties": ["period": ["type": "string"], "source": ["type": "string", "enum": ["org", "site"]]],
    ]

    static let role: JSON = [
        "type": "object", "required": ["name", "built_in", "permissions"],
        "properties": [
            "name": ["type": "string"], "built_in": ["type": "boolean"],
            "permissions": ["type": "array", "items": ["type": "string"]],
        ],
    ]

    static let roles: JSON = list(of: role)

    static let secret: JSON = [
        "type": "object", "required": ["org_id", "environment", "path", "version", "created_at", "updated_at", "updated_by"],
        "properties": [
            "org_id": ["type": "string"], "team_id": ["type": "string"], "environment": ["type": "string"], "path": ["type": "string"],
            "version": ["type": "integer"], "created_at": timestamp, "updated_at": timestamp, "updated_by": ["type": "string"],
        ],
    ]

    static let secretVersion: JSON = [
        "type": "object", "required": ["version", "key_id", "created_at", "created_by"],
        "properties": ["version": ["type": "integer"], "key_id": ["type": "string"], "created_at": timestamp, "created_by": ["type": "string"]],
    ]

    static let vaultStatus: JSON = [
        "type": "object", "required": ["sealed", "key_source", "key_ids", "secrets"],
        "properties": [
            "sealed": ["type": "boolean"], "key_source": ["type": "string"], "key_ids": ["type": "array", "items": ["type": "string"]],
            "active_key_id": ["type": "string"], "secrets": ["type": "integer"],
        ],
    ]

    static let vaultCheck: JSON = [
        "type": "object", "required": ["checked", "failed"],
        "properties": ["checked": ["type": "integer"], "failed": ["type": "array", "items": ["type": "object"]]],
    ]

    static let vaultRotation: JSON = [
        "type": "object", "required": ["active_key_id", "rewrapped", "milliseconds"],
        "properties": ["active_key_id": ["type": "string"], "rewrapped": ["type": "integer"], "milliseconds": ["type": "integer"]],
    ]

    static let problem: JSON = [
        "type": "object",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": [
            "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
            "detail": ["type": "string"], "code": ["type": "string", "enum": .array(ProblemCode.allCases.map { .string($0.rawValue) })],
            "instance": ["type": "string"], "request_id": ["type": "string"],
            "errors": [
                "type": "array",
                "items": ["type": "object", "properties": ["field": ["type": "string"], "message": ["type": "string"]]],
            ],
        ],
    ]
}
