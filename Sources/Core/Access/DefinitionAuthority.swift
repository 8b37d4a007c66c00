/// What a caller's permissions let it do to a workflow's versions and deployments. Pure: the
/// store hands in what it read inside the transaction that then writes.
///
/// The route's own permission (`workflows.create` for apply) lets a caller make a new workflow
/// and deploy it to dev. Changing what already exists, or what runs outside dev, takes
/// `workflows.edit`: a new version of an existing workflow, or a deployment to staging or prod.
public enum DefinitionAuthority {
    /// Nil when `caller` may apply the workflow `name` (`exists`: a workflow of that name is
    /// already stored) and, with `deployTo`, deploy the result there.
    ///
    /// ```swift
    /// DefinitionAuthority.applyWorkflowRefusal(caller: creator, name: "billing", exists: false, deployTo: .prod)
    /// // PermissionRefusal(.workflowsEdit, reason: "Deploying to prod")
    /// ```
    public static func applyWorkflowRefusal(caller: Scope, name: String, exists: Bool,
                                            deployTo: DeployEnvironment?) -> PermissionRefusal? {
        if caller.allows(.workflowsEdit) { return nil }
        if exists { return PermissionRefusal(.workflowsEdit, reason: "A new version of the existing workflow \(name)") }
        if let deployTo, deployTo != .dev { return PermissionRefusal(.workflowsEdit, reason: "Deploying to \(deployTo.rawValue)") }
        return nil
    }

    /// Nil when `caller` may run version `version` of a workflow whose version `deployed` is the
    /// one in `environment`. Running another version there is an edit of what runs in that
    /// environment (it would get that environment's secrets): it needs workflows.edit.
    public static func runVersionRefusal(caller: Scope, version: Int, deployed: Int?, environment: DeployEnvironment) -> PermissionRefusal? {
        guard deployed != version, !caller.allows(.workflowsEdit) else { return nil }
        return PermissionRefusal(.workflowsEdit, reason: "Running version \(version), which is not the one deployed in \(environment.rawValue),")
    }
}
