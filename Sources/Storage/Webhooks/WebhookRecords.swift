import Core

/// A stored webhook receiver.
public struct WebhookRecord: Sendable, Hashable {
    public let id: WebhookID
    public let orgID: OrgID
    public let teamID: TeamID?
    public let name: String
    public let workflowID: WorkflowID
    public let workflowName: String
    public let environment: DeployEnvironment
    /// The vault path of its signing secret, in `environment`.
    public let secretPath: String
    public let transform: String?
    public let ratePerMinute: Int
    public let maxBodyBytes: Int
    public let toleranceSeconds: Int
    /// CIDRs a delivery may come from; empty: any.
    public let allowFrom: [String]
    public let createdBy: String
    public let createdAt: Instant
    public let updatedAt: Instant
}

/// A webhook to create. Ranges and defaults are `WebhookLimits`'.
public struct NewWebhook: Sendable {
    public var name: String
    public var workflow: String
    public var environment: DeployEnvironment
    public var secretPath: String
    public var transform: String?
    public var ratePerMinute: Int
    public var maxBodyBytes: Int
    public var toleranceSeconds: Int
    public var allowFrom: [String]
    /// A team of the caller's that owns it; nil: the org's.
    public var team: String?

    public init(name: String, workflow: String, environment: DeployEnvironment = .dev, secretPath: String, transform: String? = nil,
                ratePerMinute: Int = WebhookLimits.defaultRatePerMinute, maxBodyBytes: Int = WebhookLimits.defaultBodyBytes,
                toleranceSeconds: Int = WebhookLimits.defaultToleranceSeconds, allowFrom: [String] = [], team: String? = nil) {
        self.name = name
        self.workflow = workflow
        self.environment = environment
        self.secretPath = secretPath
        self.transform = transform
        self.ratePerMinute = ratePerMinute
        self.maxBodyBytes = maxBodyBytes
        self.toleranceSeconds = toleranceSeconds
        self.allowFrom = allowFrom
        self.team = team
    }
}

/// The ranges of a webhook's settings.
public enum WebhookLimits {
    public static let defaultRatePerMinute = 600
    public static let rates = 1...1_000_000
    public static let defaultBodyBytes = 256 * 1024
    /// The largest body any webhook takes (an execution's input is at most 256 KiB too).
    public static let bodyBytes = 1...(1024 * 1024)
    public static let defaultToleranceSeconds = 300
    public static let toleranceSeconds = 1...86_400
    public static let maximumAllowFrom = 64
    public static let maximumPerOrg = 1000
}

/// One delivery, as `agentctl webhooks deliveries` lists it.
public struct WebhookDeliveryRecord: Sendable, Hashable {
    public let seq: Int64
    public let deliveryID: String?
    public let receivedAt: Instant
    public let outcome: WebhookDeliveryStatus
    public let executionID: String?
    public let remote: String?
    public let detail: String?
}

/// What became of a delivery that passed its signature check.
public enum WebhookAcceptance: Sendable {
    case accepted(ExecutionRecord, ExecutionEffects)
    /// Its delivery id was accepted before, with that execution.
    case replay(executionID: String?)
    /// The execution could not start: why.
    case startFailed(String)
}
