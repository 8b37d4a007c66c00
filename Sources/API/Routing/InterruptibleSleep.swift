import Synchronization

/// A pause that `interrupt()` ends early, and every later one at once: what a long-lived
/// response (a server-sent event stream) sleeps on, so that agentd's graceful shutdown can end
/// it instead of waiting out its pause.
final class InterruptibleSleep: Sendable {
    private struct State {
        var interrupted = false
        var waiter: CheckedContinuation<Bool, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    /// True after sleeping for `duration`; false when interrupted (before or during).
    func sleep(for duration: Duration) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let generation = state.withLock { state -> Int? in
                if state.interrupted { return nil }
                state.generation += 1
                state.waiter = continuation
                return state.generation
            }
            guard let generation else {
                continuation.resume(returning: false)
                return
            }
            Task { [weak self] in
                try? await Task.sleep(for: duration)
                let waiter = self?.state.withLock { state -> CheckedContinuation<Bool, Never>? in
                    guard state.generation == generation else { return nil }
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume(returning: true)
            }
        }
    }

    func interrupt() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.interrupted = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: false)
    }
}
