import Client
import Foundation

/// Follows an execution's event stream until the execution ends, across agentd restarts.
///
/// agentd closes its streams when it stops (a restart, an upgrade), and a crash cuts them.
/// Either way, while the execution has not ended this picks the stream up again from the last
/// event seen (`Last-Event-ID`), retrying an unreachable daemon for up to `reconnectFor`. A
/// problem answer (404, 403) ends it at once.
struct ExecutionStream {
    let client: AgentClient
    /// The execution id, already escaped for a path segment.
    let id: String
    var reconnectFor: Duration = .seconds(60)

    func run(_ onEvent: (_ seq: Int?, _ type: String, _ data: String) -> Void) async throws {
        var last: Int?
        var unreachableSince: ContinuousClock.Instant?
        var told = false
        while true {
            let attempt = ContinuousClock.now
            do {
                try await client.events("/api/v1/executions/\(id)/events", lastEventID: last) { seq, type, data in
                    if let seq { last = seq }
                    // Reachable again: a later outage gets a window (and a message) of its own.
                    unreachableSince = nil
                    told = false
                    onEvent(seq, type, data)
                    // Shown as it happens, also into a pipe or a file (stdout is buffered there).
                    fflush(nil)
                    return true
                }
                // The stream ended: the execution did, or agentd is stopping.
                let status = try await client.call(.GET, "/api/v1/executions/\(id)").json?["status"] as? String
                if let status, ["succeeded", "failed", "cancelled"].contains(status) { return }
                unreachableSince = nil
                told = false
                // A stopping agentd may still answer, closing each stream at once: not in a loop.
                try await Task.sleep(for: .milliseconds(250))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Not reachable, or a stream cut mid-way (agentd killed): try again for a while.
                // A problem or a foreign answer is final, except 502/503/504: what a proxy in
                // front (with --url) answers while agentd restarts.
                if let error = error as? ClientError {
                    switch error {
                    case .problem(let problem) where ![502, 503, 504].contains(problem.status): throw error
                    case .unexpected(let status, _) where ![502, 503, 504].contains(status): throw error
                    default: break
                    }
                }
                let now = ContinuousClock.now
                // A stream that was up for a while ended: a new outage, with its own window.
                if now - attempt > .seconds(2) {
                    unreachableSince = nil
                    told = false
                }
                let since = unreachableSince ?? now
                unreachableSince = since
                guard now - since < reconnectFor else { throw error }
                if !told {
                    FileHandle.standardError.write(Data("agentd is not answering (restarting?); reconnecting for up to \(reconnectFor.components.seconds) s…\n".utf8))
                    told = true
                }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
