import Client
import Foundation
import Testing

/// Every route × {a role that has its permission in the org, a role that lacks it, an admin of
/// another org} → {2xx, 403, 404}, generated from the served OpenAPI document. A route added
/// without a fixture here fails the test, so no route escapes the matrix.
@Suite(.serialized) struct AccessMatrixTests {
    /// How to call one operation against org A's objects, and what a foreign admin must get.
    struct Fixture: Sendable {
        let path: String
        /// The JSON body, if the operation takes one.
        let body: String?
        /// Foreign org admin: `.notFound`, or `.ownOnly` for listings and creations in the caller's
    /// own org (2xx without A's rows).
        let foreign: Foreign
    }

    enum Foreign: Sendable { case notFound, ownOnly, forbidden }

    /// Operation id → fixture. Placeholders: @KEY@ and @ROTKEY@ (key ids), @TEAM@, @TEAM2@, @TEAM3@ (team ids),
    /// @EXEC@, @SLOWEXEC@, @FAILEXEC@ (executions), @APR@, @APR2@ (pending approval requests), @CHG@, @CHG2@ (change requests), @ERR@ (an error group), @SIL@ (an alert silence), @LINK@ (a share link); bodies: @UNTIL@ (a week ahead).
    /// Operations run in no fixed order, so each mutating one has objects of its own.
    static let fixtures: [String: Fixture] = [
        "getStatus": Fixture(path: "/api/v1/status", body: nil, foreign: .forbidden),
        "createOrg": Fixture(path: "/api/v1/orgs", body: #"{"name":"matrix-new"}"#, foreign: .forbidden),
        "listOrgs": Fixture(path: "/api/v1/orgs", body: nil, foreign: .ownOnly),
        "getOrg": Fixture(path: "/api/v1/orgs/acme", body: nil, foreign: .notFound),
        "updateOrg": Fixture(path: "/api/v1/orgs/acme", body: #"{"display_name":"ACME Matrix"}"#, foreign: .notFound),
        "deleteOrg": Fixture(path: "/api/v1/orgs/acme", body: nil, foreign: .forbidden),
        "createUser": Fixture(path: "/api/v1/users", body: #"{"login":"matrix-created","role":"viewer","org":"acme"}"#,
                              foreign: .notFound),
        "listUsers": Fixture(path: "/api/v1/users", body: nil, foreign: .ownOnly),
        "getUser": Fixture(path: "/api/v1/users/u-get", body: nil, foreign: .notFound),
        "updateUser": Fixture(path: "/api/v1/users/u-patch", body: #"{"display_name":"Patched"}"#, foreign: .notFound),
        "setMember": Fixture(path: "/api/v1/orgs/acme/members/u-member", body: #"{"role":"operator"}"#, foreign: .notFound),
        "removeMember": Fixture(path: "/api/v1/orgs/acme/members/u-remove", body: nil, foreign: .notFound),
        "createAPIKey": Fixture(path: "/api/v1/api-keys",
                                body: #"{"name":"matrix","user":"u-get","org":"acme","scopes":["orgs.view"]}"#, foreign: .notFound),
        "listAPIKeys": Fixture(path: "/api/v1/api-keys", body: nil, foreign: .ownOnly),
        "rotateAPIKey": Fixture(path: "/api/v1/api-keys/@ROTKEY@/rotate", body: #"{"overlap":"1h"}"#, foreign: .notFound),
        "revokeAPIKey": Fixture(path: "/api/v1/api-keys/@KEY@", body: nil, foreign: .notFound),
        "setMFAPolicy": Fixture(path: "/api/v1/orgs/acme/mfa-policy", body: #"{"required_roles":[]}"#, foreign: .notFound),
        "createTeam": Fixture(path: "/api/v1/teams", body: #"{"name":"matrix-team","org":"acme"}"#, foreign: .notFound),
        "listTeams": Fixture(path: "/api/v1/teams", body: nil, foreign: .ownOnly),
        "getTeam": Fixture(path: "/api/v1/teams/@TEAM@", body: nil, foreign: .notFound),
        "renameTeam": Fixture(path: "/api/v1/teams/@TEAM@", body: #"{"name":"matrix-renamed"}"#, foreign: .notFound),
        "setTeamMember": Fixture(path: "/api/v1/teams/@TEAM@/members/u-get", body: #"{"role":"viewer"}"#, foreign: .notFound),
        "removeTeamMember": Fixture(path: "/api/v1/teams/@TEAM2@/members/u-get", body: nil, foreign: .notFound),
        "deleteTeam": Fixture(path: "/api/v1/teams/@TEAM3@", body: nil, foreign: .notFound),
        "getQuota": Fixture(path: "/api/v1/orgs/acme/quota", body: nil, foreign: .notFound),
        "setPlan": Fixture(path: "/api/v1/orgs/acme/plan", body: #"{"plan":"pro"}"#, foreign: .forbidden),
        "listArchive": Fixture(path: "/api/v1/archive", body: nil, foreign: .ownOnly),
        "exportArchive": Fixture(path: "/api/v1/archive/2026-01", body: nil, foreign: .ownOnly),
        "restoreArchive": Fixture(path: "/api/v1/archive/2026-01/restore", body: #"{"hold":"7d"}"#, foreign: .ownOnly),
        "exportPerson": Fixture(path: "/api/v1/people/u-get/export", body: nil, foreign: .forbidden),
        "erasePerson": Fixture(path: "/api/v1/people/u-remove/erase", body: #"{"confirm":"u-remove"}"#, foreign: .forbidden),
        "getRetention": Fixture(path: "/api/v1/orgs/acme/retention", body: nil, foreign: .notFound),
        "setRetention": Fixture(path: "/api/v1/orgs/acme/retention", body: #"{"executions":"365d"}"#, foreign: .notFound),
        "getPrivacy": Fixture(path: "/api/v1/orgs/acme/privacy", body: nil, foreign: .notFound),
        "setPrivacy": Fixture(path: "/api/v1/orgs/acme/privacy", body: #"{"pii":"mask"}"#, foreign: .notFound),
        "listRoles": Fixture(path: "/api/v1/roles?org=acme", body: nil, foreign: .notFound),
        "putRole": Fixture(path: "/api/v1/roles/auditor", body: #"{"permissions":["orgs.view"],"org":"acme"}"#, foreign: .notFound),
        "deleteRole": Fixture(path: "/api/v1/roles/spare?org=acme", body: nil, foreign: .notFound),
        "getMFAPolicy": Fixture(path: "/api/v1/orgs/acme/mfa-policy", body: nil, foreign: .notFound),
        "listSSOProviders": Fixture(path: "/api/v1/sso/providers", body: nil, foreign: .forbidden),
        "createSSOProvider": Fixture(path: "/api/v1/sso/providers",
                                     body: #"{"name":"m-sso","issuer":"https://idp.local","client_id":"a","map":["g=viewer"]}"#, foreign: .forbidden),
        "getSSOProvider": Fixture(path: "/api/v1/sso/providers/m-sso", body: nil, foreign: .forbidden),
        "replaceSSOProvider": Fixture(path: "/api/v1/sso/providers/m-sso", body: #"{"issuer":"https://idp.local","client_id":"a","map":["g=viewer"]}"#,
                                      foreign: .forbidden),
        "deleteSSOProvider": Fixture(path: "/api/v1/sso/providers/m-sso", body: nil, foreign: .forbidden),
        "testSSOProvider": Fixture(path: "/api/v1/sso/providers/m-sso/test", body: nil, foreign: .forbidden),
        "getOrgSSO": Fixture(path: "/api/v1/orgs/acme/sso", body: nil, foreign: .notFound),
        "setOrgSSO": Fixture(path: "/api/v1/orgs/acme/sso", body: #"{"required":false}"#, foreign: .notFound),
        "putSecret": Fixture(path: "/api/v1/secrets",
                             body: #"{"environment":"dev","path":"matrix/put","value":"v1-value","org":"acme"}"#, foreign: .notFound),
        "listSecrets": Fixture(path: "/api/v1/secrets?org=acme", body: nil, foreign: .notFound),
        "secretVersions": Fixture(path: "/api/v1/secrets/versions?org=acme&environment=dev&path=matrix/kept", body: nil, foreign: .notFound),
        "deleteSecret": Fixture(path: "/api/v1/secrets?org=acme&environment=dev&path=matrix/doomed", body: nil, foreign: .notFound),
        "vaultCheck": Fixture(path: "/api/v1/vault/check", body: nil, foreign: .forbidden),
        "vaultRotate": Fixture(path: "/api/v1/vault/rotate", body: nil, foreign: .forbidden),
        "vaultUnseal": Fixture(path: "/api/v1/vault/unseal", body: #"{"passphrase":"not the passphrase"}"#, foreign: .forbidden),
        "vaultStatus": Fixture(path: "/api/v1/vault", body: nil, foreign: .forbidden),
        "listAudit": Fixture(path: "/api/v1/audit?limit=200", body: nil, foreign: .ownOnly),
        "verifyAudit": Fixture(path: "/api/v1/audit/verify", body: nil, foreign: .forbidden),
        "exportAudit": Fixture(path: "/api/v1/audit/export", body: nil, foreign: .ownOnly),
        "validateDefinitions": Fixture(path: "/api/v1/validate", body: #"{"document":"workflow: m-check\nnodes:\n  a: {agent: m-agent}\n"}"#,
                                       foreign: .notFound),
        "listAgentKinds": Fixture(path: "/api/v1/agent-kinds", body: nil, foreign: .ownOnly),
        "listAgents": Fixture(path: "/api/v1/agents", body: nil, foreign: .ownOnly),
        "getAgent": Fixture(path: "/api/v1/agents/m-agent", body: nil, foreign: .notFound),
        "listAgentVersions": Fixture(path: "/api/v1/agents/m-agent/versions", body: nil, foreign: .notFound),
        "getAgentVersion": Fixture(path: "/api/v1/agents/m-agent/versions/1", body: nil, foreign: .notFound),
        "diffAgent": Fixture(path: "/api/v1/agents/m-agent/diff?from=1&to=2", body: nil, foreign: .notFound),
        "exportAgent": Fixture(path: "/api/v1/agents/m-agent/export", body: nil, foreign: .notFound),
        "rollbackAgent": Fixture(path: "/api/v1/agents/m-agent/rollback", body: #"{"version":1}"#, foreign: .notFound),
        "publishAgent": Fixture(path: "/api/v1/agents/m-agent/publish", body: #"{"version":1}"#, foreign: .notFound),
        "deleteAgent": Fixture(path: "/api/v1/agents/m-doomed", body: nil, foreign: .notFound),
        "listWorkflows": Fixture(path: "/api/v1/workflows", body: nil, foreign: .ownOnly),
        "getWorkflow": Fixture(path: "/api/v1/workflows/m-flow", body: nil, foreign: .notFound),
        "listWorkflowVersions": Fixture(path: "/api/v1/workflows/m-flow/versions", body: nil, foreign: .notFound),
        "getWorkflowVersion": Fixture(path: "/api/v1/workflows/m-flow/versions/1", body: nil, foreign: .notFound),
        "diffWorkflow": Fixture(path: "/api/v1/workflows/m-flow/diff?from=1&to=1", body: nil, foreign: .notFound),
        "exportWorkflow": Fixture(path: "/api/v1/workflows/m-flow/export", body: nil, foreign: .notFound),
        "workflowGraph": Fixture(path: "/api/v1/workflows/m-flow/graph?format=dot", body: nil, foreign: .notFound),
        "rollbackWorkflow": Fixture(path: "/api/v1/workflows/m-flow/rollback", body: #"{"version":1}"#, foreign: .notFound),
        "deployWorkflow": Fixture(path: "/api/v1/workflows/m-flow/deploy", body: #"{"environment":"staging"}"#, foreign: .notFound),
        "deleteWorkflow": Fixture(path: "/api/v1/workflows/m-doomed-flow", body: nil, foreign: .notFound),
        "startExecution": Fixture(path: "/api/v1/executions", body: #"{"workflow":"m-flow","input":{}}"#, foreign: .notFound),
        "listExecutions": Fixture(path: "/api/v1/executions", body: nil, foreign: .ownOnly),
        "getExecution": Fixture(path: "/api/v1/executions/@EXEC@", body: nil, foreign: .notFound),
        "executionEvents": Fixture(path: "/api/v1/executions/@EXEC@/events", body: nil, foreign: .notFound),
        "cancelExecution": Fixture(path: "/api/v1/executions/@SLOWEXEC@/cancel", body: nil, foreign: .notFound),
        "listBreakers": Fixture(path: "/api/v1/breakers", body: nil, foreign: .forbidden),
        "retryExecution": Fixture(path: "/api/v1/executions/@FAILEXEC@/retry", body: nil, foreign: .notFound),
        "createModel": Fixture(path: "/api/v1/models", body: #"{"name":"m-new-model","base_url":"http://127.0.0.1:9/v1","model":"x","org":"acme"}"#,
                               foreign: .notFound),
        "listModels": Fixture(path: "/api/v1/models", body: nil, foreign: .ownOnly),
        "getModel": Fixture(path: "/api/v1/models/m-model", body: nil, foreign: .notFound),
        "updateModel": Fixture(path: "/api/v1/models/m-model", body: #"{"input_price":"0.20"}"#, foreign: .notFound),
        "deleteModel": Fixture(path: "/api/v1/models/m-doomed-model", body: nil, foreign: .notFound),
        "testModel": Fixture(path: "/api/v1/models/m-model/test", body: #"{"environment":"dev"}"#, foreign: .notFound),
        "listBudgets": Fixture(path: "/api/v1/budgets", body: nil, foreign: .ownOnly),
        "setBudget": Fixture(path: "/api/v1/budgets", body: #"{"team":"t-budget","limit":"100"}"#, foreign: .notFound),
        "deleteBudget": Fixture(path: "/api/v1/budgets?team=t-budget2", body: nil, foreign: .notFound),
        "costBreakdown": Fixture(path: "/api/v1/costs?by=team", body: nil, foreign: .ownOnly),
        "costTrend": Fixture(path: "/api/v1/costs/trend?since=7d", body: nil, foreign: .ownOnly),
        "costTop": Fixture(path: "/api/v1/costs/top", body: nil, foreign: .ownOnly),
        "costForecast": Fixture(path: "/api/v1/costs/forecast", body: nil, foreign: .ownOnly),
        "costAdvice": Fixture(path: "/api/v1/costs/advice", body: nil, foreign: .ownOnly),
        "listActivity": Fixture(path: "/api/v1/activity", body: nil, foreign: .ownOnly),
        "createSchedule": Fixture(path: "/api/v1/schedules", body: #"{"name":"m-sched-new","workflow":"m-flow","cron":"@yearly"}"#, foreign: .notFound),
        "listSchedules": Fixture(path: "/api/v1/schedules", body: nil, foreign: .ownOnly),
        "getSchedule": Fixture(path: "/api/v1/schedules/m-sched", body: nil, foreign: .notFound),
        "previewSchedule": Fixture(path: "/api/v1/schedules/m-sched/preview?next=3", body: nil, foreign: .notFound),
        "scheduleHistory": Fixture(path: "/api/v1/schedules/m-sched/history", body: nil, foreign: .notFound),
        "pauseSchedule": Fixture(path: "/api/v1/schedules/m-sched/pause", body: nil, foreign: .notFound),
        "resumeSchedule": Fixture(path: "/api/v1/schedules/m-sched-paused/resume", body: nil, foreign: .notFound),
        "deleteSchedule": Fixture(path: "/api/v1/schedules/m-sched-doomed", body: nil, foreign: .notFound),
        "createWebhook": Fixture(path: "/api/v1/webhooks", body: #"{"name":"m-hook-new","workflow":"m-flow","secret_path":"hooks/m-new"}"#,
                                 foreign: .notFound),
        "listWebhooks": Fixture(path: "/api/v1/webhooks", body: nil, foreign: .ownOnly),
        "getWebhook": Fixture(path: "/api/v1/webhooks/m-hook", body: nil, foreign: .notFound),
        "rotateWebhook": Fixture(path: "/api/v1/webhooks/m-hook/rotate", body: nil, foreign: .notFound),
        "webhookDeliveries": Fixture(path: "/api/v1/webhooks/m-hook/deliveries", body: nil, foreign: .notFound),
        "deleteWebhook": Fixture(path: "/api/v1/webhooks/m-hook-doomed", body: nil, foreign: .notFound),
        "createBackup": Fixture(path: "/api/v1/system/backup", body: #"{"file":"matrix.db"}"#, foreign: .forbidden),
        "rebuildSearchIndex": Fixture(path: "/api/v1/search/rebuild", body: nil, foreign: .forbidden),
        "createShareLink": Fixture(path: "/api/v1/share-links", body: #"{"on":"workflow/m-flow"}"#, foreign: .notFound),
        "listShareLinks": Fixture(path: "/api/v1/share-links", body: nil, foreign: .ownOnly),
        "revokeShareLink": Fixture(path: "/api/v1/share-links/@LINK@", body: nil, foreign: .notFound),
        "promoteWorkflow": Fixture(path: "/api/v1/workflows/m-promo/promote", body: #"{"from":"dev","to":"staging"}"#, foreign: .notFound),
        "listPromotions": Fixture(path: "/api/v1/workflows/m-promo/promotions", body: nil, foreign: .notFound),
        "diffEnvironments": Fixture(path: "/api/v1/environments/diff?from=dev&to=prod", body: nil, foreign: .ownOnly),
        "listChanges": Fixture(path: "/api/v1/changes", body: nil, foreign: .ownOnly),
        "getChange": Fixture(path: "/api/v1/changes/@CHG@", body: nil, foreign: .notFound),
        "approveChange": Fixture(path: "/api/v1/changes/@CHG@/approve", body: #"{"comment":"matrix"}"#, foreign: .notFound),
        "rejectChange": Fixture(path: "/api/v1/changes/@CHG2@/reject", body: nil, foreign: .notFound),
        "listChangePolicies": Fixture(path: "/api/v1/change-policies", body: nil, foreign: .ownOnly),
        "setChangePolicy": Fixture(path: "/api/v1/change-policies/deploy.prod", body: #"{"approvers":["role:admin"]}"#, foreign: .ownOnly),
        "deleteChangePolicy": Fixture(path: "/api/v1/change-policies/deploy.prod", body: nil, foreign: .ownOnly),
        "getOverview": Fixture(path: "/api/v1/overview", body: nil, foreign: .ownOnly),
        "listAlerts": Fixture(path: "/api/v1/alerts", body: nil, foreign: .ownOnly),
        "alertHistory": Fixture(path: "/api/v1/alerts/history", body: nil, foreign: .ownOnly),
        "listAlertRules": Fixture(path: "/api/v1/alerts/rules", body: nil, foreign: .ownOnly),
        "createAlertRule": Fixture(path: "/api/v1/alerts/rules", body: #"{"name":"m-rule-new","expr":"queue_depth() > 100"}"#, foreign: .ownOnly),
        "getAlertRule": Fixture(path: "/api/v1/alerts/rules/m-rule", body: nil, foreign: .notFound),
        "updateAlertRule": Fixture(path: "/api/v1/alerts/rules/m-rule-put", body: #"{"severity":"critical"}"#, foreign: .notFound),
        "deleteAlertRule": Fixture(path: "/api/v1/alerts/rules/m-rule-doomed", body: nil, foreign: .notFound),
        "listAlertChannels": Fixture(path: "/api/v1/alerts/channels", body: nil, foreign: .ownOnly),
        "createAlertChannel": Fixture(path: "/api/v1/alerts/channels", body: #"{"name":"m-chan-new","type":"slack","url":"https://chat.local/hooks/x"}"#,
                                      foreign: .ownOnly),
        "getAlertChannel": Fixture(path: "/api/v1/alerts/channels/m-chan", body: nil, foreign: .notFound),
        "updateAlertChannel": Fixture(path: "/api/v1/alerts/channels/m-chan-put", body: #"{"url":"https://chat.local/hooks/y"}"#, foreign: .notFound),
        "deleteAlertChannel": Fixture(path: "/api/v1/alerts/channels/m-chan-doomed", body: nil, foreign: .notFound),
        "testAlertChannel": Fixture(path: "/api/v1/alerts/channels/m-chan/test", body: nil, foreign: .notFound),
        "listAlertSilences": Fixture(path: "/api/v1/alerts/silences", body: nil, foreign: .ownOnly),
        "createAlertSilence": Fixture(path: "/api/v1/alerts/silences", body: #"{"rule":"m-rule","for":"1h","comment":"matrix"}"#, foreign: .notFound),
        "endAlertSilence": Fixture(path: "/api/v1/alerts/silences/@SIL@", body: nil, foreign: .notFound),
        "listErrors": Fixture(path: "/api/v1/errors", body: nil, foreign: .ownOnly),
        "getError": Fixture(path: "/api/v1/errors/@ERR@", body: nil, foreign: .notFound),
        "listEnvironments": Fixture(path: "/api/v1/environments", body: nil, foreign: .ownOnly),
        "createEnvironment": Fixture(path: "/api/v1/environments", body: #"{"name":"m-env-new"}"#, foreign: .ownOnly),
        "getEnvironment": Fixture(path: "/api/v1/environments/m-env", body: nil, foreign: .notFound),
        "updateEnvironment": Fixture(path: "/api/v1/environments/m-env", body: #"{"description":"matrix"}"#, foreign: .notFound),
        "deleteEnvironment": Fixture(path: "/api/v1/environments/m-env-doomed", body: nil, foreign: .notFound),
        "mergeWorkflow": Fixture(path: "/api/v1/workflows/m-flow/merge", body: #"{"branch":"m-branch"}"#, foreign: .notFound),
        "listApprovals": Fixture(path: "/api/v1/approvals", body: nil, foreign: .ownOnly),
        "getApproval": Fixture(path: "/api/v1/approvals/@APR@", body: nil, foreign: .notFound),
        "approveApproval": Fixture(path: "/api/v1/approvals/@APR@/approve", body: #"{"comment":"matrix"}"#, foreign: .notFound),
        "rejectApproval": Fixture(path: "/api/v1/approvals/@APR2@/reject", body: #"{}"#, foreign: .notFound),
        "delegateApprovals": Fixture(path: "/api/v1/approvals/delegation", body: #"{"to":"u-get","until":"@UNTIL@"}"#, foreign: .notFound),
        "listDelegations": Fixture(path: "/api/v1/approvals/delegation", body: nil, foreign: .ownOnly),
        "endDelegation": Fixture(path: "/api/v1/approvals/delegation", body: nil, foreign: .ownOnly),
    ]

    @Test func everyRouteAnswersEachKindOfCallerAsItMust() async throws {
        try await TestDaemon.run { daemon in
            // Org A (acme): an admin, a guest, and objects to act on. Org B (globex): an admin.
            let admin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "boss", role: "admin", org: "acme"))
            let guest = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "visitor", role: "guest", org: "acme"))
            let foreign = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "other-boss", role: "admin", org: "globex"))
            for login in ["u-get", "u-patch", "u-member", "u-remove"] {
                _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": login, "role": "viewer", "org": "acme"])
            }
            let keyID = try #require(try await daemon.socket.call(.POST, "/api/v1/api-keys",
                json: ["name": "victim", "user": "u-get", "org": "acme", "scopes": ["orgs.view"]]).json?["id"] as? String)
            let rotateID = try #require(try await daemon.socket.call(.POST, "/api/v1/api-keys",
                json: ["name": "to-rotate", "user": "u-get", "org": "acme", "scopes": ["orgs.view"]]).json?["id"] as? String)
            let acmeID = try #require(try await daemon.socket.call(.GET, "/api/v1/orgs/acme").json?["id"] as? String)
            _ = try await daemon.socket.call(.PUT, "/api/v1/roles/spare", json: ["permissions": ["orgs.view"], "org": "acme"])
            for path in ["matrix/kept", "matrix/doomed"] {
                _ = try await daemon.socket.call(.PUT, "/api/v1/secrets",
                                                 json: ["environment": "dev", "path": path, "value": "some-value", "org": "acme"])
            }
            var teamIDs: [String] = []
            for name in ["t-one", "t-two", "t-three"] {
                teamIDs.append(try #require(try await daemon.socket.call(.POST, "/api/v1/teams",
                    json: ["name": name, "org": "acme"]).json?["id"] as? String))
            }
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/\(teamIDs[1])/members/u-get", json: [:])
            // Models in org A (one answers, on a fake model server) and a team budget to remove.
            let modelServer = try await Upstream(script: "modelserver.py")
            for (name, base) in [("m-model", modelServer.base + "/v1"), ("m-doomed-model", "http://127.0.0.1:9/v1")] {
                _ = try await admin.call(.POST, "/api/v1/models", json: ["name": name, "base_url": base, "model": "fake"])
            }
            for name in ["t-budget", "t-budget2"] { _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": name, "org": "acme"]) }
            _ = try await admin.call(.PUT, "/api/v1/budgets", json: ["team": "t-budget2", "limit": "5"])
            // Definitions in org A, made by its admin: an agent with two versions, a workflow using
            // it, and one of each to delete.
            for document in [
                "agent: m-agent\nkind: transform\nconfig: {output: 1}\n---\nagent: m-doomed\nkind: transform\nconfig: {output: 0}\n",
                "agent: m-agent\nkind: transform\nconfig: {output: 2}\n---\nworkflow: m-flow\nnodes:\n  a: {agent: m-agent}\n"
                    + "---\nworkflow: m-doomed-flow\nnodes:\n  a: {kind: transform, config: {output: 3}}\n"
                    + "---\nworkflow: m-slow\nnodes:\n  wait: {kind: delay, config: {duration_ms: 600000}}\n"
                    + "---\nworkflow: m-fail\nnodes:\n  bad: {kind: transform, config: {output: \"{{ 1 / 0 }}\"}}\n"
                    + "---\nworkflow: m-approve\nnodes:\n  ok: {kind: approval, config: {approvers: [\"role:admin\"]}}\n",
            ] {
                _ = try await admin.call(.POST, "/api/v1/apply", json: ["document": document])
            }
            // A workflow that has run in dev, to promote.
            _ = try await admin.call(.POST, "/api/v1/apply", json: ["document": "workflow: m-promo\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"])
            let promoID = try #require(try await admin.call(.POST, "/api/v1/executions", json: ["workflow": "m-promo"]).json?["id"] as? String)
            try await admin.events("/api/v1/executions/\(promoID)/events") { _, _, _ in true }
            // Two change requests the admin may decide: prod deploys held for approval, asked by someone else.
            _ = try await admin.call(.PUT, "/api/v1/change-policies/deploy.prod", json: ["approvers": ["role:admin"]])
            let deployer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "deployer", role: "developer", org: "acme"))
            var changes: [String] = []
            for _ in 0..<2 {
                let held = try await deployer.send(.POST, "/api/v1/workflows/m-flow/deploy", body: Data(#"{"environment":"prod"}"#.utf8),
                                                   headers: [("Content-Type", "application/json")])
                try #require(held.status == 202, "a prod deploy was not held: \(held.status)")
                changes.append(try #require((held.json?["change_request"] as? [String: Any])?["id"] as? String))
            }
            // Environments of org A's own.
            for name in ["m-env", "m-env-doomed"] {
                try #require(try await admin.call(.POST, "/api/v1/environments", json: ["name": name]).status == 201)
            }
            // Alert channels and rules of org A, and a silence to end.
            for name in ["m-chan", "m-chan-put", "m-chan-doomed"] {
                try #require(try await admin.call(.POST, "/api/v1/alerts/channels", json: ["name": name, "type": "slack", "url": "http://127.0.0.1:9/hooks/x"]).status == 201)
            }
            for name in ["m-rule", "m-rule-put", "m-rule-doomed"] {
                try #require(try await admin.call(.POST, "/api/v1/alerts/rules", json: ["name": name, "expr": "queue_depth() > 100", "notify": ["m-chan"]]).status == 201)
            }
            let silenceID = try #require(try await admin.call(.POST, "/api/v1/alerts/silences", json: ["rule": "m-rule", "for": "1h", "comment": "matrix"])
                .json?["id"] as? Int).description
            let linkID = try #require(try await admin.call(.POST, "/api/v1/share-links", json: ["on": "workflow/m-flow"]).json?["id"] as? String)
            // A branch of m-flow to merge.
            _ = try await admin.call(.POST, "/api/v1/apply", json: ["branch": "m-branch", "document":
                "workflow: m-flow\nnodes:\n  a: {agent: m-agent}\n  b: {kind: transform, config: {output: 9}}\nedges: [a -> b]\n"])
            for name in ["m-sched", "m-sched-paused", "m-sched-doomed"] {
                _ = try await admin.call(.POST, "/api/v1/schedules", json: ["name": name, "workflow": "m-flow", "cron": "@yearly"])
            }
            _ = try await admin.call(.POST, "/api/v1/schedules/m-sched-paused/pause", json: [:])
            for name in ["m-hook", "m-hook-doomed"] {
                _ = try await admin.call(.POST, "/api/v1/webhooks", json: ["name": name, "workflow": "m-flow", "secret_path": "hooks/\(name)"])
            }
            let executionID = try #require(try await admin.call(.POST, "/api/v1/executions", json: ["workflow": "m-flow"]).json?["id"] as? String)
            let slowID = try #require(try await admin.call(.POST, "/api/v1/executions", json: ["workflow": "m-slow"]).json?["id"] as? String)
            let failID = try #require(try await admin.call(.POST, "/api/v1/executions", json: ["workflow": "m-fail"]).json?["id"] as? String)
            try await admin.events("/api/v1/executions/\(failID)/events") { _, _, _ in true }
            let errorGroup = try #require((try await admin.call(.GET, "/api/v1/errors").json?["items"] as? [[String: Any]])?.first?["fingerprint"] as? String)
            // Two requests the admin may decide: started by someone else (no one decides their own).
            let starter = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "starter", role: "operator", org: "acme"))
            var approvals: [String] = []
            for _ in 0..<2 {
                let id = try #require(try await starter.call(.POST, "/api/v1/executions", json: ["workflow": "m-approve"]).json?["id"] as? String)
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    let items = try await admin.call(.GET, "/api/v1/approvals?status=pending").json?["items"] as? [[String: Any]] ?? []
                    if let found = items.first(where: { $0["execution_id"] as? String == id })?["id"] as? String {
                        approvals.append(found)
                        break
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            try #require(approvals.count == 2, "the approval requests did not open")
            let until = Date(timeIntervalSinceNow: 7 * 86_400).ISO8601Format()

            let document = try #require(try await daemon.socket.call(.GET, "/api/v1/openapi.json").json)
            let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
            var covered = 0
            for (_, methods) in paths {
                for (method, operation) in methods {
                    guard let permission = operation["x-agentd-permission"] as? String, permission != "authenticated",
                          let id = operation["operationId"] as? String else { continue }
                    let fixture = try #require(Self.fixtures[id], "operation \(id) has no access-matrix fixture: add one")
                    covered += 1
                    // why: tokens in @…@ cannot occur inside a generated ID (an ID may well contain "KEY").
                    var path = fixture.path
                    for (token, value) in [("@ROTKEY@", rotateID), ("@KEY@", keyID), ("@SLOWEXEC@", slowID), ("@FAILEXEC@", failID),
                                           ("@EXEC@", executionID), ("@TEAM3@", teamIDs[2]), ("@TEAM2@", teamIDs[1]), ("@TEAM@", teamIDs[0]),
                                           ("@APR2@", approvals[1]), ("@APR@", approvals[0]), ("@CHG2@", changes[1]), ("@CHG@", changes[0]), ("@ERR@", errorGroup),
                                           ("@SIL@", silenceID), ("@LINK@", linkID)] {
                        path = path.replacingOccurrences(of: token, with: value)
                    }
                    let verb = method.uppercased()
                    let body = fixture.body.map { Data($0.replacingOccurrences(of: "@UNTIL@", with: until).utf8) }
                    let headers = body == nil ? [] : [("Content-Type", "application/json")]
                    let installationWide = fixture.foreign == .forbidden

                    // A role without the permission: 403 naming it.
                    let refused = try await guest.send(.init(rawValue: verb), path, body: body, headers: headers)
                    #expect(refused.status == 403, "guest \(verb) \(path)")
                    #expect((refused.json?["detail"] as? String)?.contains(permission) == true, "\(id)")

                    // An admin of another org: 404 (or its own rows only, or 403 for installation acts).
                    let outsider = try await foreign.send(.init(rawValue: verb), path, body: body, headers: headers)
                    switch fixture.foreign {
                    case .notFound: #expect(outsider.status == 404, "foreign \(verb) \(path): \(outsider.status)")
                    case .forbidden: #expect(outsider.status == 403, "foreign \(verb) \(path): \(outsider.status)")
                    case .ownOnly:
                        #expect((200..<300).contains(outsider.status), "foreign \(verb) \(path): \(outsider.status)")
                        let text = String(decoding: outsider.body, as: UTF8.self)
                        #expect(!text.contains(acmeID) && !text.contains("u-get"), "foreign \(verb) \(path) leaks org A")
                    }

                    // A role that has the permission in its org: success (installation acts stay 403).
                    let allowed = try await admin.send(.init(rawValue: verb), path, body: body, headers: headers)
                    if installationWide {
                        #expect(allowed.status == 403, "org admin \(verb) \(path) is an installation act")
                    } else {
                        #expect((200..<300).contains(allowed.status),
                                "admin \(verb) \(path): \(allowed.status) \(String(decoding: allowed.body, as: UTF8.self))")
                    }
                }
            }
            #expect(covered == Self.fixtures.count, "fixtures for operations that no longer exist: remove them")
        }
    }
}
