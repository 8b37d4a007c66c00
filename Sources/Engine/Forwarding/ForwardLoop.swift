import Core
import Logging

/// The loop every forwarder runs (audit events to a SIEM, failures to Sentry): a round sends what
/// is due and moves the durable cursor; when nothing was due it sleeps; when a round fails it
/// warns once per outage, keeps the reason for `agentctl status`, backs off (or waits what the
/// target asked for) and tries again, until cancelled.
struct ForwardLoop {
    /// `audit forwarding`, `sentry forwarding`: how the journal names it.
    let name: String
    let target: String
    let pollMilliseconds: Int64
    let maximumBackoffMilliseconds: Int64
    let now: @Sendable () -> Instant
    let logger: Logger

    /// `round` answers whether anything was sent; `failed` keeps the reason; `retryAfter` is a
    /// wait the target asked for (a 429's Retry-After), if the error carries one.
    func run(round: () async throws -> Bool, failed: (String) async -> Void, retryAfter: (any Error) -> Int64? = { _ in nil }) async {
        var backoff: Int64 = 1000
        var failingSince: Instant?
        while !Task.isCancelled {
            do {
                guard try await round() else {
                    try await Task.sleep(for: .milliseconds(pollMilliseconds))
                    continue
                }
                if let since = failingSince {
                    logger.notice("\(name) works again", metadata: ["target": "\(target)", "since": "\(since.rfc3339)"])
                    failingSince = nil
                }
                backoff = 1000
            } catch is CancellationError {
                return
            } catch {
                if failingSince == nil {
                    failingSince = now()
                    logger.warning("\(name) failed; retrying, nothing is lost", metadata: ["target": "\(target)", "error": "\(error)"])
                }
                await failed("\(error)")
                try? await Task.sleep(for: .milliseconds(min(retryAfter(error) ?? backoff, maximumBackoffMilliseconds)))
                backoff = min(backoff * 2, maximumBackoffMilliseconds)
            }
        }
    }
}
