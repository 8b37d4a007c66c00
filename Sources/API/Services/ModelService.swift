import Core
import Engine
import Platform
import Storage

/// Model servers (llm steps' endpoints): what `ModelRoutes` is given; built by `agentd`
/// (Daemon/APIWiring.swift), with the daemon's `Engine` (its probe and its egress policy).
public struct ModelService: Sendable {
    public let models: ModelStore
    public let engine: Engine
    public let audit: AuditLog
    public let limits: RequestLimits
    public let clock: WallClock

    public init(models: ModelStore, engine: Engine, audit: AuditLog, limits: RequestLimits, clock: WallClock) {
        self.models = models
        self.engine = engine
        self.audit = audit
        self.limits = limits
        self.clock = clock
    }

    /// What `test` found.
    public struct TestOutcome: Sendable {
        public let record: ModelRecord
        public let result: Result<ModelProbe, StepError>
        /// The model as stored after recording what the probe detected (nil when it detected nothing).
        public let stored: ModelRecord?
    }

    /// Sends the model a small request as a step would. Opening its API key is a secret read like
    /// a step's: audited (`secret.read`) with who asked. What the probe detects (structured
    /// output, tool calling) is stored at once: the model's next steps use it.
    public func test(_ reference: String, environment: DeployEnvironment, detect overrides: DetectionOverrides,
                     change: ChangeContext) async throws -> TestOutcome {
        let record = try await models.get(reference, in: change.scope)
        let (result, keyVersion) = await engine.probe(record, environment: environment, team: nil, detect: overrides)
        if let keyVersion, let path = record.spec.apiKeySecret {
            try await audit.record(AuditEntry(at: clock.now(), orgID: record.orgID.rawValue, actor: change.actor,
                                              action: .secretRead, targetType: ResourceType.secret.rawValue,
                                              targetID: "\(environment.rawValue)/\(path)", requestID: change.requestID,
                                              details: ["version": "\(keyVersion)", "model": record.spec.name, "purpose": "models test"]))
        }
        var stored: ModelRecord?
        if case .success(let probe) = result, let detection = probe.detection {
            stored = try await models.recordTest(record.id, capabilities: detection.capabilities, context: change)
        }
        return TestOutcome(record: record, result: result, stored: stored)
    }

    /// Throws `egressDenied` when `url`'s host resolves (now, quickly) to an address the egress
    /// policy denies: the code a step calling it would fail with.
    public func refuseDeniedEgress(_ url: String, org: OrgID?) async throws {
        if let refusal = await engine.egress.refusal(url: url, org: org) { throw APIError.egressDenied(refusal) }
    }
}
