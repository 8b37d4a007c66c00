/// What became of one delivery to a webhook receiver, as `agentctl webhooks deliveries` lists
/// it. Only `accepted` started an execution.
public enum WebhookDeliveryStatus: String, CaseIterable, Hashable, Sendable {
    case accepted
    /// No `Agentd-Signature`, a malformed one, or no MAC that matches the webhook's secret.
    case badSignature = "bad_signature"
    /// Signed, but its `t` is outside the tolerance window (an old message sent again).
    case expired
    /// A delivery id already accepted.
    case replay
    /// Over the webhook's rate (answered 429 with Retry-After).
    case rateLimited = "rate_limited"
    /// The sender's address is not in the webhook's allow-list.
    case ipRefused = "ip_refused"
    /// Over the webhook's body cap.
    case tooLarge = "too_large"
    /// Not JSON or a form, or not what its content type says.
    case invalidBody = "invalid_body"
    /// The transform failed on this body (a path it reads is missing, its result is not an object).
    case transformError = "transform_error"
    /// The execution could not start (the workflow is no longer deployed, the input does not fit
    /// its schema, a quota or budget).
    case startFailed = "start_failed"
}
