import AgentSecurity
import Core
import Platform
import Storage

/// Share links (docs/collaboration.md#share-links): making, listing and revoking them, and
/// opening one without a login. What `ShareRoutes` is given; built by `agentd`
/// (Daemon/APIWiring.swift).
public struct ShareService: Sendable {
    public let links: ShareLinkStore
    public let hasher: SecretHasher
    public let publicURL: PublicURL
    public let executions: ExecutionStore
    public let definitions: DefinitionStore
    public let limits: RequestLimits
    public let clock: WallClock

    public init(links: ShareLinkStore, hasher: SecretHasher, publicURL: PublicURL, executions: ExecutionStore, definitions: DefinitionStore,
                limits: RequestLimits, clock: WallClock) {
        self.links = links
        self.hasher = hasher
        self.publicURL = publicURL
        self.executions = executions
        self.definitions = definitions
        self.limits = limits
        self.clock = clock
    }

    /// A new link to `reference` and its token (shown once).
    func create(_ target: CommentTarget, _ reference: String, lifetime: Int64, context: ChangeContext) async throws -> (ShareLinkRecord, ShareLinkToken) {
        let token = ShareLinkToken(id: ShareLinkID.generate(at: context.now), randomBytes: SecretHasher.randomBytes(32))
        let record = try await links.create(target, reference, id: token.id, secretHash: hasher.hash(token.secret), lifetime: lifetime, context: context)
        return (record, token)
    }

    /// What the link `text` opens, read-only, its opening counted and audited. An unknown or
    /// wrong token is not found (the same answer, in the same time, as a wrong secret);
    /// an expired or revoked one says so.
    func open(_ text: String, client: String?, requestID: String?) async throws -> (PresentedLink, JSONValue) {
        guard let token = ShareLinkToken(text), let link = try await links.presented(token.id),
              hasher.matches(token.secret, expected: link.secretHash) else {
            throw StorageError.notFound(.shareLink, id: "this link")
        }
        let now = clock.now()
        if let closed = ShareLinkRules.closed(expiresAt: link.expiresAt, revokedAt: link.revokedAt, now: now) {
            throw ShareLinkClosed(state: closed, at: closed == .expired ? link.expiresAt : link.revokedAt ?? now)
        }
        // The link's own reach: the one target it names, in its org, by its ID.
        let scope = Scope(orgID: link.orgID, reach: .org, roles: [.admin])
        let resource: JSONValue
        switch link.target {
        case .execution:
            let (record, steps) = try await executions.execution(link.targetID, in: scope)
            resource = Self.shown(ExecutionResources.execution(record, steps: steps), keeping: Self.executionFields)
        case .workflow:
            let (record, latest) = try await definitions.workflow(link.targetID, in: scope)
            resource = Self.shown(WorkflowRoutes.resource(record, latest: latest), keeping: Self.workflowFields)
        }
        try await links.used(link, from: client, at: now, requestID: requestID)
        return (link, resource)
    }

    /// What a link shows of an execution or a workflow: its own content, nothing that names a
    /// person or leads to another resource.
    static let executionFields: Set<String> = ["id", "workflow", "version", "environment", "status", "input", "output", "error", "cost",
                                               "created_at", "finished_at", "steps", "steps_total", "steps_done", "pii_masked"]
    static let workflowFields: Set<String> = ["id", "name", "description", "latest_version", "tags", "version", "updated_at"]

    static func shown(_ value: JSONValue, keeping fields: Set<String>) -> JSONValue {
        guard case .object(let object) = value else { return value }
        var kept = object.filter { fields.contains($0.key) }
        if case .object(let version)? = kept["version"] {
            kept["version"] = .object(version.filter { ["version", "document", "content_hash"].contains($0.key) })
        }
        if case .array(let steps)? = kept["steps"] {
            kept["steps"] = .array(steps.map { step in
                guard case .object(let fields) = step else { return step }
                return .object(fields.filter { ["node", "status", "attempt", "started_at", "finished_at", "output", "error", "cost"].contains($0.key) })
            })
        }
        return .object(kept)
    }
}

/// A share link presented after it expired or was revoked.
public struct ShareLinkClosed: Error, Hashable, Sendable {
    public let state: ShareLinkRules.Closed
    public let at: Instant
}
