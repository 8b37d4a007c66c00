/// Why a webhook receiver did not start an execution, as the sender is told
/// (`Problems.problem(for:)`); the delivery row says more to the webhook's owners.
enum WebhookRefusal: Error {
    /// Unknown webhook, bad or stale signature, address not allowed: one answer for all.
    case refused
    case replayed(executionID: String?)
    case transformFailed(String)
    case notStarted(String)
}
