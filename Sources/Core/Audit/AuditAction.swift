/// What an audit event records. The raw values are stable names shown in the API, in exports
/// and in filters (`agentctl audit list --action org.created`).
public enum AuditAction: String, CaseIterable, Hashable, Sendable, Codable {
    case orgCreated = "org.created"
    case orgUpdated = "org.updated"
    case orgDeleted = "org.deleted"
    case userCreated = "user.created"
    case userUpdated = "user.updated"
    case userDisabled = "user.disabled"
    case membershipChanged = "membership.changed"
    case keyCreated = "key.created"
    case keyRevoked = "key.revoked"
    case keyRotated = "key.rotated"
    case teamCreated = "team.created"
    case teamUpdated = "team.updated"
    case teamDeleted = "team.deleted"
    case teamMembershipChanged = "team.membership_changed"
    case planChanged = "plan.changed"
    case roleCreated = "role.created"
    case roleUpdated = "role.updated"
    case roleDeleted = "role.deleted"
    case agentVersionCreated = "agent.version_created"
    case agentPublished = "agent.published"
    case agentDeleted = "agent.deleted"
    case workflowVersionCreated = "workflow.version_created"
    case workflowDeployed = "workflow.deployed"
    /// A branch merged into main: a new version with two parents.
    case workflowMerged = "workflow.merged"
    /// The version deployed in one environment deployed to the next, once it ran there.
    case workflowPromoted = "workflow.promoted"
    /// An org put an act behind approval (or changed or lifted that).
    case changePolicySet = "change.policy_set"
    case changeRequested = "change.requested"
    case changeDecided = "change.decided"
    case changeExpired = "change.expired"
    case environmentCreated = "environment.created"
    case environmentUpdated = "environment.updated"
    case environmentDeleted = "environment.deleted"
    case workflowDeleted = "workflow.deleted"
    case executionStarted = "execution.started"
    case executionCancelled = "execution.cancelled"
    case modelCreated = "model.created"
    case modelUpdated = "model.updated"
    case modelDeleted = "model.deleted"
    case budgetSet = "budget.set"
    case budgetDeleted = "budget.deleted"
    case budgetThreshold = "budget.threshold"
    case backupCreated = "backup.created"
    case secretWritten = "secret.written"
    case secretRead = "secret.read"
    case secretDeleted = "secret.deleted"
    case vaultRotated = "vault.rotated"
    case vaultChecked = "vault.checked"
    case vaultUnsealed = "vault.unsealed"
    case vaultUnsealFailed = "vault.unseal_failed"
    case passwordChanged = "password.changed"
    case loginSucceeded = "login.succeeded"
    case loginFailed = "login.failed"
    case loginLocked = "login.locked"
    case logout = "logout"
    case sessionRevoked = "session.revoked"
    case mfaEnrolmentStarted = "mfa.enrolment_started"
    case mfaEnrolled = "mfa.enrolled"
    case mfaRemoved = "mfa.removed"
    case mfaRecoveryUsed = "mfa.recovery_used"
    case mfaPolicyChanged = "mfa.policy_changed"
    case scheduleCreated = "schedule.created"
    case scheduleUpdated = "schedule.updated"
    case scheduleDeleted = "schedule.deleted"
    case webhookCreated = "webhook.created"
    /// A webhook's secret replaced by a new one (the old one stops verifying).
    case webhookRotated = "webhook.rotated"
    case webhookDeleted = "webhook.deleted"
    /// A person approved or rejected an approval request (on their own right or a delegated one).
    case approvalDecided = "approval.decided"
    /// An approval request nobody decided in time ended by its `on_expiry`.
    case approvalExpired = "approval.expired"
    /// A person lent their approval rights to a colleague until a time, or took them back.
    case approvalDelegated = "approval.delegated"
    case approvalDelegationEnded = "approval.delegation_ended"
    case alertRuleCreated = "alert.rule_created"
    case alertRuleUpdated = "alert.rule_updated"
    case alertRuleDeleted = "alert.rule_deleted"
    case alertChannelCreated = "alert.channel_created"
    case alertChannelUpdated = "alert.channel_updated"
    case alertChannelDeleted = "alert.channel_deleted"
    /// A test notification sent to a channel (`agentctl alerts channels test`).
    case alertChannelTested = "alert.channel_tested"
    case alertSilenced = "alert.silenced"
    case alertUnsilenced = "alert.unsilenced"
    /// An alert went pending, firing, resolved or cleared (actor `system`).
    case alertStateChanged = "alert.state_changed"
    /// Deliveries to a channel gave up (the org's other channels were told), or it took one again.
    case alertChannelDown = "alert.channel_down"
    case alertChannelUp = "alert.channel_up"
    /// An org's privacy policy (PII action, kinds, custom patterns) set.
    case privacyChanged = "privacy.changed"
    /// An org's own retention periods set or cleared.
    case retentionChanged = "retention.changed"
    /// A retention pass removed executions, step payloads or audit events (actor `system`).
    case retentionRemoved = "retention.removed"
    /// Archived executions of a month brought back into the database.
    case archiveRestored = "archive.restored"
    /// Everything agentd holds about a person was exported (GDPR access).
    case personExported = "person.exported"
    /// A person was erased: their account removed, every mention pseudonymised.
    case personErased = "person.erased"
    /// An identity provider was added, changed or removed (`agentctl sso`).
    case ssoProviderAdded = "sso.provider_added"
    case ssoProviderChanged = "sso.provider_changed"
    case ssoProviderRemoved = "sso.provider_removed"
    /// A first SSO login created the person's user (just-in-time), or linked an existing one.
    case ssoUserProvisioned = "sso.user_provisioned"
    /// An SSO login changed the person's org or team roles to what their groups map to now.
    case ssoRolesSynced = "sso.roles_synced"
    /// An SSO login found no group that maps to a role: the person's membership was removed.
    case ssoDeprovisioned = "sso.deprovisioned"
    /// An SSO login was refused after the IdP sent the person back (bad token, no role, …).
    case ssoLoginRefused = "sso.login_refused"
    /// An org's "SSO required" setting or its break-glass logins changed.
    case ssoRequirementChanged = "sso.requirement_changed"
    /// Someone kept a search under a name, or removed it (`agentctl search --save`).
    case searchSaved = "search.saved"
    case searchForgotten = "search.forgotten"
    /// The search index was emptied and filled again from the rows (`agentctl search --rebuild-index`).
    case searchIndexRebuilt = "search.index_rebuilt"
    /// Someone added a workflow, agent or execution to their favourites, or removed it.
    case favoriteAdded = "favorite.added"
    case favoriteRemoved = "favorite.removed"
    /// A comment was added, edited or deleted; its thread resolved or reopened (`agentctl comments`).
    case commentAdded = "comment.added"
    case commentEdited = "comment.edited"
    case commentDeleted = "comment.deleted"
    case commentResolved = "comment.resolved"
    case commentReopened = "comment.reopened"
    /// A share link was made, revoked, or opened (each opening, by the link).
    case shareLinkCreated = "share.link_created"
    case shareLinkRevoked = "share.link_revoked"
    case shareLinkUsed = "share.link_used"
    /// A caller was identified but lacked the permission a route needs.
    case permissionDenied = "permission.denied"
}

/// How the recorded act ended.
public enum AuditOutcome: String, CaseIterable, Hashable, Sendable, Codable {
    case success
    case denied
}
