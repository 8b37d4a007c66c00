import Synchronization

/// Wakes whoever follows an execution (event streams, waits) once a transaction that appended
/// its events has committed. A follower `watch`es first, notes the generation, reads the
/// database, then `wait`s for a later generation: a change committed between its read and its
/// wait is never missed.
public final class ExecutionNotifier: Sendable {
    private struct Watched {
        var watchers = 0
        var generation = 0
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    }

    private let state = Mutex<[String: Watched]>([:])
    private let counter = Atomic<Int>(0)

    public init() {}

    /// Starts following `execution`; pair with `unwatch`.
    public func watch(_ execution: String) {
        state.withLock { $0[execution, default: Watched()].watchers += 1 }
    }

    public func unwatch(_ execution: String) {
        state.withLock { all in
            all[execution]?.watchers -= 1
            if all[execution]?.watchers ?? 0 <= 0 { all[execution] = nil }
        }
    }

    /// How many changes `execution` has had while watched.
    public func generation(of execution: String) -> Int {
        state.withLock { $0[execution]?.generation ?? 0 }
    }

    /// Returns true as soon as `execution` is past `generation`, false after `timeout`.
    public func wait(for execution: String, after generation: Int, timeout: Duration) async -> Bool {
        let id = counter.add(1, ordering: .relaxed).newValue
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let ready = state.withLock { all -> Bool in
                guard let watched = all[execution] else { return true }
                if watched.generation > generation { return true }
                all[execution]!.waiters[id] = continuation
                return false
            }
            if ready {
                continuation.resume(returning: true)
                return
            }
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                let waiter = self?.state.withLock { all in all[execution]?.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: false)
            }
        }
    }

    func notify(_ executions: [String]) {
        let woken = state.withLock { all -> [CheckedContinuation<Bool, Never>] in
            var woken: [CheckedContinuation<Bool, Never>] = []
            for execution in Set(executions) where all[execution] != nil {
                all[execution]!.generation += 1
                woken += all[execution]!.waiters.values
                all[execution]!.waiters = [:]
            }
            return woken
        }
        for continuation in woken { continuation.resume(returning: true) }
    }
}
