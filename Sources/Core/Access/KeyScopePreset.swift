/// Named sets of scopes for API keys, so a common key is one word: `read-only` (every view
/// permission) or `execute-only` (run workflows and watch executions). A preset gives a key
/// only those of its permissions the owner's role grants.
public enum KeyScopePreset: String, CaseIterable, Sendable {
    case readOnly = "read-only"
    case executeOnly = "execute-only"

    public var permissions: Set<Permission> {
        switch self {
        case .readOnly: Set(Permission.allCases.filter { $0.rawValue.hasSuffix(".view") && !$0.isInstallationWide })
        case .executeOnly: [.workflowsView, .workflowsExecute, .executionsView]
        }
    }
}
