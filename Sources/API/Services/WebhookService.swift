import Core
import Engine
import Foundation
import Metrics
import Platform
import AgentSecurity
import Storage

/// Webhook receivers (`agentctl webhooks`, `POST /hooks/{id}`): what `WebhookRoutes` is given;
/// built by `agentd` (Daemon/APIWiring.swift). Creating and rotating seal a new secret with the
/// vault; receiving checks a delivery in the order the steps of `receive` say, records what
/// became of it, and starts the execution in one transaction with its delivery row.
public struct WebhookService: Sendable {
    public let webhooks: WebhookStore
    public let executions: ExecutionStore
    public let secrets: SecretStore
    public let vault: Vault
    public let engine: Engine
    /// Per-webhook delivery rates, and the rate at which refusals are written down.
    public let buckets: BucketStore
    public let limits: RequestLimits
    public let clock: WallClock
    /// Where `agentd_webhook_deliveries_total` goes (nil: not counted).
    let metrics: (any MetricsFactory)?
    let keys = WebhookKeys()

    public init(webhooks: WebhookStore, executions: ExecutionStore, secrets: SecretStore, vault: Vault, engine: Engine,
                buckets: BucketStore = BucketStore(), limits: RequestLimits, clock: WallClock, metrics: (any MetricsFactory)? = nil) {
        self.metrics = metrics
        self.webhooks = webhooks
        self.executions = executions
        self.secrets = secrets
        self.vault = vault
        self.engine = engine
        self.buckets = buckets
        self.limits = limits
        self.clock = clock
    }

    /// Counts one delivery by its outcome (`MetricCatalog.webhookDeliveries`).
    func count(_ outcome: WebhookDeliveryStatus) {
        guard let metrics else { return }
        Counter(label: MetricCatalog.webhookDeliveries.name, dimensions: [("outcome", outcome.rawValue)], factory: metrics).increment()
    }

    /// Refused deliveries written down per webhook per minute; past it they are only counted
    /// in the log, so that a flood of unsigned requests cannot fill the database.
    static let refusalsRecordedPerMinute = 120

    /// Creates the webhook; when its secret path holds no secret yet, a new one is generated,
    /// sealed and returned (once: it is never shown again).
    /// Deletes the webhook (its deliveries too; its secret stays in the vault).
    public func delete(_ reference: String, context: ChangeContext) async throws {
        let record = try await webhooks.get(reference, in: context.scope)
        try await webhooks.delete(record.id.rawValue, context: context)
        keys.forget(record.id)
    }

    public func create(_ request: NewWebhook, context: ChangeContext) async throws -> (WebhookRecord, secret: String?) {
        let secret = WebhookSigner.newSecret()
        let vault = self.vault
        let (record, generated) = try await webhooks.create(request, context: context) { ref in
            try vault.sealer(for: Array(secret.utf8))(ref)
        }
        return (record, generated ? secret : nil)
    }

    /// A new secret for the webhook, returned once; the old one stops verifying.
    public func rotate(_ reference: String, context: ChangeContext) async throws -> (WebhookRecord, secret: String, version: Int) {
        let secret = WebhookSigner.newSecret()
        let vault = self.vault
        // Sealed inside the unit, after the webhook is found: an unknown one is a 404 either way.
        let (record, version) = try await webhooks.rotate(reference, context: context) { ref in try vault.sealer(for: Array(secret.utf8))(ref) }
        keys.forget(record.id)
        return (record, secret, version)
    }

    /// One delivery as the receiver read it.
    public struct Delivery: Sendable {
        public var body: [UInt8]
        public var contentType: String?
        public var signature: String?
        public var deliveryID: String?
        /// Lower-case names; the signature, cookies and credentials left out.
        public var headers: [String: String]
        public var query: [String: String]
        /// The peer's address on TCP (nil on the socket).
        public var remote: String?
    }

    /// Checks a delivery and starts its execution. Throws `WebhookRefusal`, `RateLimited`, an
    /// `APIError` for a body that is too large or not JSON or a form, or `VaultError.sealed`
    /// (503: a sender retries later, where a 401 would make it give up).
    func receive(_ id: String, _ delivery: Delivery) async throws -> (WebhookRecord, ExecutionRecord, deliveryID: String) {
        let now = clock.now()
        // 1. The webhook and its secret (`keys` holds them for a second). An unknown one costs
        // what a known one does up to the MAC (a secret's read, the MAC), so the time of the 401
        // does not tell them apart either.
        var cached = keys.cached(id)
        if cached == nil, let found = try await webhooks.receiver(id) {
            var key: (bytes: [UInt8], version: Int)?
            if let (ref, sealed) = try await secrets.currentSealed(org: found.orgID, environment: found.environment, path: found.secretPath,
                                                                   team: found.teamID) {
                key = (try vault.open(sealed, at: ref), ref.version)
            }
            keys.keep(found, key: key)
            cached = keys.cached(id)
        }
        guard let entry = cached else {
            _ = try await secrets.currentSealed(org: OrgID.generate(at: now), environment: .dev, path: "webhooks/none", team: nil)
            _ = WebhookSigner.mac(key: Array(repeating: 0, count: 32), message: delivery.body)
            throw WebhookRefusal.refused
        }
        let webhook = entry.webhook
        func refuse(_ outcome: WebhookDeliveryStatus, _ detail: String, deliveryID: String? = delivery.deliveryID, _ error: any Error) async throws -> Never {
            count(outcome)
            let log = buckets.take([("webhook-refusals:\(webhook.id.rawValue)", Self.refusalsRecordedPerMinute)], now: now,
                                   periodMilliseconds: Milliseconds.minute)
            if log.allowed {
                try await webhooks.record(refused: outcome, webhook: webhook.id, deliveryID: deliveryID.flatMap { Self.isDeliveryID($0) ? $0 : nil },
                                          remote: delivery.remote, detail: detail, now: now)
            }
            throw error
        }
        // 2. Where it comes from.
        if !webhook.allowFrom.isEmpty {
            let address = delivery.remote.flatMap(IPAddress.init)
            let allowed = address.map { address in webhook.allowFrom.contains { (try? CIDR.parse($0))?.contains(address) == true } } ?? false
            if !allowed { try await refuse(.ipRefused, "\(delivery.remote ?? "the Unix socket") is not in allow_from", WebhookRefusal.refused) }
        }
        // 3. Its size.
        if delivery.body.count > webhook.maxBodyBytes {
            try await refuse(.tooLarge, "\(delivery.body.count) bytes; at most \(webhook.maxBodyBytes)", APIError.bodyTooLarge(limit: webhook.maxBodyBytes))
        }
        // 4. Its signature: well formed, fresh, and a MAC under the current secret.
        guard let signature = delivery.signature.flatMap(WebhookSignature.parse) else {
            try await refuse(.badSignature, delivery.signature == nil ? "no \(WebhookSignature.header) header" : "a malformed \(WebhookSignature.header) header",
                             WebhookRefusal.refused)
        }
        guard signature.isFresh(now: now, toleranceSeconds: Int64(webhook.toleranceSeconds)) else {
            try await refuse(.expired, "t=\(signature.timestamp) is more than \(webhook.toleranceSeconds) s from now", WebhookRefusal.refused)
        }
        guard let key = entry.key else {
            try await refuse(.badSignature, "its secret \(webhook.environment.rawValue)/\(webhook.secretPath) no longer exists", WebhookRefusal.refused)
        }
        guard WebhookSigner.verifies(signature, body: delivery.body, key: key.bytes) else {
            try await refuse(.badSignature, "no v1 matches the secret (version \(key.version))", WebhookRefusal.refused)
        }
        if let given = delivery.deliveryID, !Self.isDeliveryID(given) {
            try await refuse(.invalidBody, "Agentd-Delivery is not 1 to 200 visible ASCII characters", deliveryID: nil,
                             APIError.invalidParameter(name: WebhookSignature.deliveryHeader, "must be 1 to 200 visible ASCII characters"))
        }
        let deliveryID = delivery.deliveryID ?? signature.macs[0].map { String(format: "%02x", $0) }.joined()
        // 5. Its rate.
        let decision = buckets.take([("webhook:\(webhook.id.rawValue)", webhook.ratePerMinute)], now: now, periodMilliseconds: Milliseconds.minute)
        if !decision.allowed {
            try await refuse(.rateLimited, "over \(webhook.ratePerMinute) a minute", deliveryID: deliveryID, RateLimited(decision: decision))
        }
        // 6. Its body, then the input.
        let body: JSONValue
        switch Self.mediaType(delivery.contentType) {
        case "application/json":
            do {
                body = try JSONParser.parse(bytes: delivery.body)
            } catch {
                // The sender's developer is told where their body stops being JSON.
                try await refuse(.invalidBody, "the body is not JSON", deliveryID: deliveryID, APIError.malformedJSON("the body \(error)"))
            }
        case "application/x-www-form-urlencoded":
            guard let parsed = FormBody.parse(delivery.body) else {
                try await refuse(.invalidBody, "the body is not a form", deliveryID: deliveryID, APIError.malformedJSON("the form body does not parse"))
            }
            body = parsed
        default:
            try await refuse(.invalidBody, "content type \(delivery.contentType ?? "none")", deliveryID: deliveryID,
                             APIError.unsupportedMediaType(got: delivery.contentType))
        }
        var input = WebhookTransform.defaultInput(body: body)
        if webhook.transform != nil {
            // Checked when the webhook was created: one that no longer compiles is this delivery's error.
            guard let transform = entry.transform else {
                try await refuse(.transformError, "the transform no longer compiles", deliveryID: deliveryID,
                                 WebhookRefusal.transformFailed("the webhook's transform no longer compiles"))
            }
            let roots: [String: JSONValue] = [
                "body": body, "headers": .object(delivery.headers.mapValues(JSONValue.string)), "query": .object(delivery.query.mapValues(JSONValue.string)),
                "webhook": ["id": .string(webhook.id.rawValue), "name": .string(webhook.name)],
                "delivery": ["id": .string(deliveryID), "received_at": .string(now.rfc3339)],
            ]
            do {
                input = try transform.render(roots, now: now)
            } catch {
                try await refuse(.transformError, "\(error)", deliveryID: deliveryID, WebhookRefusal.transformFailed("\(error)"))
            }
            guard case .object = input else {
                try await refuse(.transformError, "the result is not an object", deliveryID: deliveryID,
                                 WebhookRefusal.transformFailed("its result is not a JSON object"))
            }
        }
        // 7. The execution, with the delivery row, once per delivery id.
        switch try await executions.acceptDelivery(webhook, deliveryID: deliveryID, input: input, remote: delivery.remote, now: now) {
        case .accepted(let record, let effects):
            count(.accepted)
            engine.accept(effects)
            return (webhook, record, deliveryID)
        case .replay(let execution):
            count(.replay)
            throw WebhookRefusal.replayed(executionID: execution)
        case .startFailed(let reason):
            count(.startFailed)
            throw WebhookRefusal.notStarted(reason)
        }
    }

    /// The execution once it has ended, or as it is when `timeout` passes first.
    func awaitEnd(_ record: ExecutionRecord, of webhook: WebhookRecord, timeout: Duration) async throws -> ExecutionRecord {
        let scope = Scope(orgID: webhook.orgID, reach: .org, roles: [.operator], teams: webhook.teamID.map { [$0] } ?? [])
        let notifier = engine.notifier
        let id = record.id.rawValue
        notifier.watch(id)
        defer { notifier.unwatch(id) }
        let deadline = ContinuousClock.now + timeout
        while true {
            let generation = notifier.generation(of: id)
            let (current, _) = try await executions.execution(id, in: scope)
            if current.status.isTerminal { return current }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return current }
            _ = await notifier.wait(for: id, after: generation, timeout: left)
        }
    }

    /// A sender's delivery id as agentd keeps and shows it: 1 to 200 visible ASCII characters.
    static func isDeliveryID(_ text: String) -> Bool {
        (1...200).contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7e).contains($0) }
    }

    /// `application/json; charset=utf-8` → `application/json`; `+json` types are JSON.
    static func mediaType(_ header: String?) -> String? {
        guard let header else { return nil }
        let type = header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type.hasSuffix("+json") ? "application/json" : type
    }
}
