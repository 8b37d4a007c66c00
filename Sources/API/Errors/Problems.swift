import Core
import Hummingbird
import AgentSecurity
import Storage

/// The one table from errors to HTTP problems. Only this file knows statuses.
enum Problems {
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let error as APIError: return problem(for: error)
        case let error as LoginError: return problem(for: error)
        case let error as VaultError:
            switch error {
            case .sealed:
                return Problem(code: .vaultSealed, status: 503, title: "Vault sealed",
                               detail: "The vault is sealed: run `agentctl vault unseal` (passphrase source), or start agentd with its key file or credential (see docs/vault.md).")
            case .unknownKey(let id):
                return Problem(code: .vaultError, status: 500, title: "Vault key missing",
                               detail: "The value is sealed under master key \(id), which this agentd does not hold.")
            case .tampered, .malformed:
                return Problem(code: .vaultError, status: 500, title: "Secret unreadable",
                               detail: "A stored secret failed its integrity check; run `agentctl vault check`.")
            }
        case let error as RateLimited:
            let seconds = (error.decision.retryAfterMilliseconds + 999) / 1000
            return Problem(code: .rateLimited, status: 429, title: "Too many requests",
                           detail: "Too many requests from this key, user, org or client (limit \(error.decision.limit) per period); retry in \(seconds) s (Retry-After).")
        case let error as StorageError: return problem(for: error)
        case let error as WebhookRefusal: return problem(for: error)
        case let error as ShareLinkClosed:
            return error.state == .expired
                ? Problem(code: .linkExpired, status: 410, title: "Link expired",
                          detail: "This share link expired at \(error.at.rfc3339). Ask whoever gave it to you for a new one.")
                : Problem(code: .linkRevoked, status: 410, title: "Link revoked",
                          detail: "This share link was revoked at \(error.at.rfc3339). Ask whoever gave it to you for a new one.")
        case let error as CommentRefusal:
            switch error {
            case .mentionWithoutAccess(let login, let target):
                return Problem(code: .mentionWithoutAccess, status: 422, title: "Mention of someone who cannot see it",
                               detail: "@\(login) is no one of this org who may open \(target); nothing was written. Leave the mention out, "
                                   + "or have an administrator give them access (a team, a role) first.")
            case .notAuthor(let id):
                return Problem(code: .notAuthor, status: 403, title: "Not your comment",
                               detail: "Only the author of \(id.rawValue) may change it (an org admin may also delete it).")
            }
        case let error as MergeConflicts:
            return Problem(code: .mergeConflict, status: 409, title: "Merge conflict",
                           detail: "Branch \(error.branch) and main changed \(error.conflicts.count) place(s) of \(error.workflow) differently; nothing was "
                               + "written. Settle each path in `errors` (resolutions {path: ours|theirs}, or take ours|theirs for all; "
                               + "agentctl workflows merge \(error.workflow) \(error.branch) --take theirs --resolve PATH=ours), or apply an edited "
                               + "file to the branch and merge again.",
                           errors: error.conflicts.map { FieldViolation(field: $0.path, message: $0.summary) })
        case let error as ApprovalRefusal:
            switch error {
            case .notPending(let status):
                return Problem(code: .approvalClosed, status: 409, title: "Approval request closed",
                               detail: "The request is \(status.rawValue) already; nothing more can be decided on it.")
            case .alreadyDecided:
                return Problem(code: .alreadyDecided, status: 409, title: "Already decided",
                               detail: "You decided on this request already (or the right delegated to you was used); each person decides once.")
            case .selfApproval:
                return Problem(code: .selfApproval, status: 403, title: "Self-approval refused",
                               detail: "You started this execution: someone else among its approvers must decide.")
            case .notAnApprover:
                return Problem(code: .notAnApprover, status: 403, title: "Not an approver",
                               detail: "The step's approvers (its config.approvers: logins, role:NAME, team:NAME) name neither you nor anyone "
                                   + "who delegated to you; `agentctl approvals show ID` lists them.")
            }
        case let error as UserAuthorityRefusal: return problem(for: error)
        case let error as SSORefusal: return problem(for: error)
        case let error as OIDCUnavailable:
            return Problem(code: .ssoProviderUnavailable, status: 502, title: "Identity provider unavailable",
                           detail: "The identity provider did not answer as OpenID Connect requires: \(error.reason). `agentctl sso test NAME` checks it.")
        case let error as SSOTestFailed:
            return Problem(code: .ssoProviderUnavailable, status: 502, title: "Identity provider unavailable",
                           detail: "\(error.reason). Check the issuer URL, the network path to the IdP and --ca-file.")
        case let error as ExecutionError:
            switch error {
            case .idempotencyConflict(let key):
                return Problem(code: .idempotencyConflict, status: 409, title: "Idempotency key reused",
                               detail: "Idempotency-Key `\(key)` was used for a request with another body; use a new key for a new execution.")
            case .notDeployed(let workflow, let environment):
                return Problem(code: .notDeployed, status: 409, title: "Not deployed",
                               detail: "Workflow \(workflow) has no version deployed in \(environment); deploy one "
                                   + "(agentctl workflows deploy \(workflow) --env \(environment)) or name a `version`.")
            case .alreadyFinished(let id, let status):
                return Problem(code: .alreadyFinished, status: 409, title: "Already finished",
                               detail: "Execution \(id) has already \(status); there is nothing to cancel.")
            case .notRetryable(let id, let status):
                return Problem(code: .alreadyFinished, status: 409, title: "Not retryable",
                               detail: "Execution \(id) \(status == "succeeded" ? "succeeded" : "is \(status)"); only a failed or cancelled one can be retried.")
            case .budgetExceeded(let detail):
                return Problem(code: .budgetExceeded, status: 402, title: "Budget exceeded", detail: detail.prefix(1).uppercased() + detail.dropFirst() + ".")
            case .tooDeep(let limit):
                return Problem(code: .validationFailed, status: 422, title: "Too deep", detail: "Child workflows nest at most \(limit) deep.")
            case .piiBlocked(let kinds):
                return Problem(code: .piiBlocked, status: 422, title: "Personal data blocked",
                               detail: "The input holds personal data of kind \(kinds.joined(separator: ", ")), which the privacy policy of this org "
                                   + "or workflow blocks; nothing was stored. Remove it, or see `agentctl orgs privacy ORG`.",
                               errors: [FieldViolation(field: "input", message: "holds \(kinds.joined(separator: ", "))")])
            }
        case let error as PrivacyProblem:
            return Problem(code: ProblemCode(rawValue: error.code.rawValue) ?? .validationFailed, status: 422, title: "Privacy policy refused",
                           detail: error.message.prefix(1).uppercased() + error.message.dropFirst() + ".",
                           errors: [FieldViolation(field: error.field, message: error.message)])
        case let error as DefinitionError:
            return Problem(code: .definitionInvalid, status: 422, title: "Definition invalid",
                           detail: "The definition has \(error.issues.count) problem(s), each listed in `errors` with its path; "
                               + "fix them and apply again (agentctl validate -f FILE checks without storing).",
                           errors: error.issues.map { FieldViolation(field: $0.path, message: $0.message) })
        case let error as YAMLDocuments.Malformed:
            let place = "line \(error.line), column \(error.column)" + (error.document.map { $0 > 1 ? " of document \($0)" : "" } ?? "")
            return Problem(code: .yamlMalformed, status: 400, title: "Malformed YAML",
                           detail: "The YAML does not parse at \(place): \(error.problem).",
                           errors: [FieldViolation(field: "\(error.line):\(error.column)", message: error.problem)])
        case let error as ValidationError:
            let fields = error.violations.map(\.field).joined(separator: ", ")
            return Problem(code: .validationFailed, status: 422, title: "Validation failed",
                           detail: "Fix the fields named in `errors` (\(fields)) and send the request again.",
                           errors: error.violations)
        case let error as HTTPError where error.status == .contentTooLarge:
            return Problem(code: .bodyTooLarge, status: 413, title: "Request body too large",
                           detail: "Send a smaller body.")
        default:
            return Problem(code: .internalError, status: 500, title: "Internal error",
                           detail: "agentd failed unexpectedly; the log entry with this request_id has the cause.")
        }
    }

    static func problem(for error: APIError) -> Problem {
        switch error {
        case .malformedJSON(let reason):
            return Problem(code: .malformedJSON, status: 400, title: "Malformed JSON",
                           detail: "The body is not valid JSON: \(reason). Send one JSON object.")
        case .jsonTooDeep(let limit):
            return Problem(code: .jsonTooDeep, status: 400, title: "JSON nested too deeply",
                           detail: "The body nests arrays and objects more than \(limit) levels deep; flatten it.")
        case .unknownField(let field, let allowed):
            return Problem(code: .unknownField, status: 400, title: "Unknown field",
                           detail: "The body has a field `\(field)` that this route does not take. "
                               + "Allowed fields: \(allowed.joined(separator: ", ")).")
        case .unsupportedMediaType(let got):
            return Problem(code: .unsupportedMediaType, status: 415, title: "Unsupported media type",
                           detail: "Send the body as `Content-Type: application/json`"
                               + (got.map { "; got `\($0)`." } ?? "; the request had no Content-Type."))
        case .bodyTooLarge(let limit):
            return Problem(code: .bodyTooLarge, status: 413, title: "Request body too large",
                           detail: "The body is larger than the limit of \(limit) bytes (server.max_body_bytes); send a smaller body.")
        case .invalidParameter(let name, let reason):
            return Problem(code: .invalidParameter, status: 400, title: "Invalid parameter",
                           detail: "Query parameter `\(name)` \(reason).")
        case .routeNotFound(let path):
            return Problem(code: .routeNotFound, status: 404, title: "No such route",
                           detail: "Nothing is served at `\(path)`. GET /api/v1/openapi.json lists every route.")
        case .methodNotAllowed(let method, let allowed):
            return Problem(code: .methodNotAllowed, status: 405, title: "Method not allowed",
                           detail: "\(method) is not served here; use \(allowed.joined(separator: " or ")).")
        case .unauthenticated(let reason):
            return Problem(code: .unauthenticated, status: 401, title: "Authentication required", detail: reason)
        case .csrfFailed:
            return Problem(code: .csrfFailed, status: 403, title: "CSRF token missing or wrong",
                           detail: "Requests that change something with a session cookie must send the login's `csrf_token` as X-CSRF-Token.")
        case .forbidden(let permission):
            return Problem(code: .permissionDenied, status: 403, title: "Permission denied",
                           detail: "This needs the permission `\(permission.rawValue)`, which you lack (your roles, your key's scopes, "
                               + "or, for installation-wide permissions, your org-level access do not grant it); ask an administrator.")
        case .loginSessionRequired(let what):
            return Problem(code: .loginSessionRequired, status: 403, title: "Login session required",
                           detail: "\(what) is for the person: it takes your own login session (agentctl login, or POST /api/v1/login) "
                               + "or your socket identity, never an API key.")
        case .personRequired(let what):
            return Problem(code: .personRequired, status: 403, title: "A person is required",
                           detail: "\(what) is a person's act: call as a user (agentctl login, an API key of yours, or a socket identity "
                               + "mapped to a user), not as the socket's administrator uid.")
        case .notReady(let reason):
            return Problem(code: .notReady, status: 503, title: "Not ready", detail: reason)
        case .archiveOff:
            return Problem(code: .archiveOff, status: 409, title: "No archive",
                           detail: "Removed executions are not archived here: set [retention] archive = true in agentd.toml and restart agentd.")
        case .installationAdminRequired(let what):
            return Problem(code: .installationAdminRequired, status: 403, title: "Installation administrator required",
                           detail: "\(what) spans every org a person belongs to; only an installation administrator (root or the "
                               + "admin group over the socket, or an installation-wide key) may.")
        case .installationAct(let what, let reason):
            return Problem(code: .installationAdminRequired, status: 403, title: "Installation administrator required",
                           detail: "\(what) is an installation act (\(reason)); only an installation administrator (root or the "
                               + "admin group over the socket, or an installation-wide key) may.")
        case .erasureNotConfirmed(let login):
            return Problem(code: .confirmationRequired, status: 422, title: "Confirm the erasure",
                           detail: "Erasure cannot be undone: send {\"confirm\": \"\(login)\"} (agentctl gdpr erase asks for it).")
        case .unsealFailed:
            return Problem(code: .unsealFailed, status: 403, title: "Wrong passphrase",
                           detail: "The passphrase does not give the key the database's secrets are sealed under; tries are limited to 5 a minute.")
        case .documentTooLarge(let limit):
            return Problem(code: .documentTooLarge, status: 413, title: "Definitions file too large",
                           detail: "A definitions file may be at most \(limit) bytes; split it into several files.")
        case .modelFailed(let model, let reason):
            return Problem(code: .modelFailed, status: 502, title: "Model failed",
                           detail: "Model \(model) did not answer the test request: \(reason). Check its base_url, model name and API key.")
        case .egressDenied(let reason):
            return Problem(code: .egressDenied, status: 422, title: "Egress denied",
                           detail: reason.prefix(1).uppercased() + reason.dropFirst() + ". Outbound calls may reach only what [egress] in agentd.toml allows (docs/security.md).")
        case .secretTooLarge(let limit):
            return Problem(code: .secretTooLarge, status: 413, title: "Secret too large",
                           detail: "A secret value may be at most \(limit) bytes; store a reference to large material instead.")
        }
    }

    static func problem(for error: SSORefusal) -> Problem {
        switch error {
        case .unknownProvider(let name):
            return Problem(code: .notFound, status: 404, title: "Not found",
                           detail: "There is no identity provider \(name); `agentctl sso list` shows those there are.")
        case .state:
            return Problem(code: .ssoFailed, status: 400, title: "Single sign-on failed",
                           detail: "This login is unknown, was used already, expired (after 10 minutes) or was started in another browser: start again.")
        case .providerError(let reason):
            return Problem(code: .ssoFailed, status: 401, title: "Single sign-on failed",
                           detail: "The identity provider did not sign you in (\(reason)). Start again, or ask its admin.")
        case .token(let reason):
            return Problem(code: .ssoFailed, status: 401, title: "Single sign-on failed",
                           detail: "The identity provider's token was refused: \(reason).")
        case .claims(let reason):
            return Problem(code: .ssoFailed, status: 401, title: "Single sign-on failed", detail: "The identity provider's answer is unusable: \(reason).")
        case .noRole(let removed):
            return Problem(code: .ssoNoRole, status: 403, title: "No role for your groups",
                           detail: "None of your groups at the identity provider maps to a role in this org"
                               + (removed ? ", so your access was removed" : "") + ". Ask an admin to add you to a mapped group.")
        case .loginTaken(let login):
            return Problem(code: .ssoLoginTaken, status: 409, title: "Login already taken",
                           detail: "\(login) is already a local agentd user, not yet linked to this identity provider. An installation admin can "
                               + "allow linking (agentctl sso add … --link-existing), or rename the local user.")
        case .disabled:
            return Problem(code: .ssoFailed, status: 403, title: "Account disabled", detail: "Your agentd account is disabled; ask an administrator.")
        }
    }

    static func problem(for error: LoginError) -> Problem {
        switch error {
        case .invalidCredentials:
            return Problem(code: .invalidCredentials, status: 401, title: "Login failed",
                           detail: "The login or the password is wrong. Repeated failures lock the account for a while.")
        case .locked(let until):
            return Problem(code: .accountLocked, status: 429, title: "Account locked",
                           detail: "Too many failed logins; try again after \(until.rfc3339), or ask an administrator to set a new password.")
        case .noMembership:
            return Problem(code: .noMembership, status: 403, title: "No org",
                           detail: "This user belongs to no org (or not to the one asked for); ask an administrator to add you.")
        case .mfaRequired:
            return Problem(code: .mfaRequired, status: 401, title: "Second factor required",
                           detail: "Send `totp_code` (from your authenticator app) or a `recovery_code` with the password.")
        case .ssoRequired(let providers):
            let how = providers.isEmpty ? "through the org's identity provider"
                : "at " + providers.map { "/auth/login/\($0)" }.joined(separator: " or ") + " (agentctl login --sso \(providers[0]))"
            return Problem(code: .ssoRequired, status: 403, title: "Single sign-on required",
                           detail: "Your org requires single sign-on: log in \(how). Only its break-glass accounts may use a password.")
        case .invalidSession:
            return Problem(code: .unauthenticated, status: 401, title: "Authentication required",
                           detail: "The session is invalid, expired or ended; log in again (agentctl login).")
        }
    }

    static func problem(for error: UserAuthorityRefusal) -> Problem {
        switch error {
        case .outranked(let login, let role):
            return Problem(code: .targetOutranksCaller, status: 403, title: "User outranks you",
                           detail: "\(login) holds the role \(role), which you could not grant; acting on that account "
                               + "(password, MFA, disabling, role, sessions, keys) needs someone who could. Ask an administrator.")
        case .hostUIDNeedsInstallation:
            return Problem(code: .installationAdminRequired, status: 403, title: "Installation administrator required",
                           detail: "Mapping a Unix uid to a user (unix_uid) decides who is that user on this box's socket; "
                               + "only an installation administrator (root or the admin group, over the socket) may.")
        case .keyOwnerInOtherOrgs(let login):
            return Problem(code: .keyOwnerInOtherOrg, status: 403, title: "Key owner belongs to other orgs",
                           detail: "\(login) is also a member of another org; only \(login) (or an installation administrator) "
                               + "may create a key owned by them.")
        }
    }

    /// A webhook receiver's refusals. Every refusal an unsigned caller can provoke (no such
    /// webhook, a bad, missing or stale signature, an address not allowed) is the same 401, so
    /// the answer does not say whether the webhook exists; its deliveries say which it was.
    static func problem(for error: WebhookRefusal) -> Problem {
        switch error {
        case .refused:
            return Problem(code: .webhookRefused, status: 401, title: "Delivery refused",
                           detail: "The delivery was not accepted. Check the receiver URL, the Agentd-Signature header (t=UNIX_SECONDS,v1=hex "
                               + "HMAC-SHA256 of \"t.body\" under the webhook's secret) and the sender's clock (docs/triggers.md#signing-a-delivery).")
        case .replayed(let execution):
            return Problem(code: .deliveryReplayed, status: 409, title: "Delivery replayed",
                           detail: "This delivery id was accepted before" + (execution.map { " and started execution \($0)" } ?? "")
                               + "; nothing was started again. Send a new Agentd-Delivery id for a new delivery.")
        case .transformFailed(let reason):
            return Problem(code: .transformFailed, status: 422, title: "Transform failed",
                           detail: "The webhook's transform could not make an input from this body: \(reason).")
        case .notStarted(let reason):
            return Problem(code: .deliveryNotStarted, status: 422, title: "Execution not started",
                           detail: "The delivery was valid but its execution could not start: \(reason).")
        }
    }

    static func problem(for error: StorageError) -> Problem {
        switch error {
        case .notFound(let type, let id):
            return Problem(code: .notFound, status: 404, title: "Not found",
                           detail: "No \(type.rawValue) `\(id)` exists that you can see. Check the ID or name, and list what exists.")
        case .alreadyExists(let type, let field, let value):
            return Problem(code: .alreadyExists, status: 409, title: "Already exists",
                           detail: "Another \(type.rawValue) already has \(field) `\(value)`; choose another \(field).")
        case .protected(_, _, let reason):
            return Problem(code: .protected, status: 409, title: "Protected", detail: "Refused: \(reason).")
        case .grantRefused(let what):
            return Problem(code: .permissionDenied, status: 403, title: "Permission denied",
                           detail: "You cannot grant \(what): it carries permissions your own roles do not. Ask an administrator.")
        case .quotaExceeded(let resource, let limit, let used):
            return Problem(code: .quotaExceeded, status: 403, title: "Quota exceeded",
                           detail: "The org's plan allows \(limit) \(resource) and \(used) are in use; remove one, "
                               + "or ask an installation administrator to raise the limit (PUT /api/v1/orgs/{org}/plan).")
        case .invalidCursor:
            return Problem(code: .invalidCursor, status: 400, title: "Invalid cursor",
                           detail: "The `cursor` was not issued by this listing; start again without one and follow `next_cursor`.")
        case .permissionRequired(let permission, let reason):
            return Problem(code: .permissionDenied, status: 403, title: "Permission denied",
                           detail: "\(reason) needs the permission `\(permission.rawValue)`, which you lack; ask an administrator.")
        case .writerStopped:
            return Problem(code: .shuttingDown, status: 503, title: "Shutting down",
                           detail: "agentd is stopping and takes no more changes; try again once it has restarted.")
        case .schemaTooNew, .notAgentdDatabase:
            return Problem(code: .internalError, status: 500, title: "Internal error",
                           detail: "The database cannot be used; see the daemon's log.")
        }
    }
}
