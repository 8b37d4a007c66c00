/// Acts an org can put behind approval (docs/governance.md#change-requests): with a policy for
/// the act, doing it opens a change request that is carried out, in the same transaction as its
/// last approval, once enough people approved.
public enum ChangeAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Deploying or promoting a workflow version to prod.
    case deployProd = "deploy.prod"
    /// Publishing an agent version to the org's other teams.
    case agentPublish = "agent.publish"
    /// Raising a budget's limit, or letting it be overrun (setting one where there was none,
    /// lowering one, or removing overage is never held).
    case budgetRaise = "budget.raise"
    /// Changing a member's role in the org (adding and removing members is not held).
    case roleChange = "role.change"
    /// Creating a secret in prod or storing a new version of one (rotating it). The value waits
    /// sealed with the request and is never shown; deleting one is not held.
    case secretProd = "secret.prod"

    public var summary: String {
        switch self {
        case .deployProd: "deploying or promoting a workflow version to prod"
        case .agentPublish: "publishing an agent version to the org's other teams"
        case .budgetRaise: "raising a budget's limit or allowing overage"
        case .roleChange: "changing a member's role in the org"
        case .secretProd: "creating or rotating a secret in prod"
        }
    }
}
