/// The stable `code` of every problem agentd answers with. Clients match on these; a code,
/// once shipped, keeps its meaning. `API/Errors/Problems.swift` gives each its status.
public enum ProblemCode: String, CaseIterable, Sendable, Codable {
    // The request itself
    case malformedJSON = "malformed_json"
    case jsonTooDeep = "json_too_deep"
    case unknownField = "unknown_field"
    case unsupportedMediaType = "unsupported_media_type"
    case bodyTooLarge = "body_too_large"
    case validationFailed = "validation_failed"
    case invalidParameter = "invalid_parameter"
    case invalidCursor = "invalid_cursor"
    case mentionWithoutAccess = "mention_without_access"
    case notAuthor = "not_author"
    case linkExpired = "link_expired"
    case linkRevoked = "link_revoked"
    case yamlMalformed = "yaml_malformed"
    case documentTooLarge = "document_too_large"
    case definitionInvalid = "definition_invalid"
    // Routing
    case routeNotFound = "route_not_found"
    case methodNotAllowed = "method_not_allowed"
    // Who is calling
    case unauthenticated
    case invalidCredentials = "invalid_credentials"
    case accountLocked = "account_locked"
    case noMembership = "no_membership"
    case mfaRequired = "mfa_required"
    /// A password login in an org that requires single sign-on.
    case ssoRequired = "sso_required"
    /// An SSO login the IdP's answer does not allow (bad or tampered token, wrong state).
    case ssoFailed = "sso_failed"
    /// An SSO login of a person none of whose groups maps to a role.
    case ssoNoRole = "sso_no_role"
    /// A first SSO login whose login is already a local user's.
    case ssoLoginTaken = "sso_login_taken"
    /// The identity provider could not be reached or answered wrongly.
    case ssoProviderUnavailable = "sso_provider_unavailable"
    case permissionDenied = "permission_denied"
    case csrfFailed = "csrf_failed"
    /// A self-service route (password, MFA, sessions) refuses API keys: log in.
    case loginSessionRequired = "login_session_required"
    /// The user acted on holds a role the caller could not grant.
    case targetOutranksCaller = "target_outranks_caller"
    /// Setting a host uid (`unix_uid`) is for installation administrators.
    case installationAdminRequired = "installation_admin_required"
    /// A key for another member who also belongs to other orgs.
    case keyOwnerInOtherOrg = "key_owner_in_other_org"
    // Resources
    case rateLimited = "rate_limited"
    case quotaExceeded = "quota_exceeded"
    case secretTooLarge = "secret_too_large"
    case vaultSealed = "vault_sealed"
    case vaultError = "vault_error"
    case unsealFailed = "unseal_failed"
    case notFound = "not_found"
    case alreadyExists = "already_exists"
    case protected
    case idempotencyConflict = "idempotency_conflict"
    case notDeployed = "not_deployed"
    case budgetExceeded = "budget_exceeded"
    case modelFailed = "model_failed"
    /// The egress policy refuses the address a URL resolves to (`[egress]`).
    case egressDenied = "egress_denied"
    case alreadyFinished = "already_finished"
    case approvalClosed = "approval_closed"
    case mergeConflict = "merge_conflict"
    case alreadyDecided = "already_decided"
    case selfApproval = "self_approval"
    case notAnApprover = "not_an_approver"
    case personRequired = "person_required"
    // Webhook receivers (`POST /hooks/{id}`)
    case webhookRefused = "webhook_refused"
    case deliveryReplayed = "delivery_replayed"
    case transformFailed = "transform_failed"
    case deliveryNotStarted = "delivery_not_started"
    case archiveOff = "archive_off"
    case confirmationRequired = "confirmation_required"
    // Privacy policies and PII (docs/compliance.md#pii-detection-and-masking)
    case piiBlocked = "pii_blocked"
    case piiKindUnknown = "pii_kind_unknown"
    case piiActionUnknown = "pii_action_unknown"
    case piiPatternName = "pii_pattern_name"
    case piiPatternInvalid = "pii_pattern_invalid"
    case piiPatternCatastrophic = "pii_pattern_catastrophic"
    case piiPatternsTooMany = "pii_patterns_too_many"
    // The server
    case notReady = "not_ready"
    case shuttingDown = "shutting_down"
    case internalError = "internal"
}
