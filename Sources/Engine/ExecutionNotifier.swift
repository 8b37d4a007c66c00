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
        var timers: [Int: Task<Void, Never>] = [:]
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
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                let waiter = self?.state.withLock { all -> CheckedContinuation<Bool, Never>? in
                    all[execution]?.timers[id] = nil
                    return all[execution]?.waiters.removeValue(forKey: id)
                }
                waiter?.resume(returning: false)
            }
            // why: woken early, the timeout task would otherwise sleep on for its full 15 s; many
            // events on a followed execution would pile such tasks up.
            state.withLock { all in
                if all[execution]?.waiters[id] != nil { all[execution]!.timers[id] = timer } else { timer.cancel() }
            }
        }
    }

    /// Wakes whoever waits on `execution` now, as a timeout would (`wait` returns false), without
    /// a change: for a stream that must end (agentd stopping).
    public func interrupt(_ execution: String) {
        let (woken, timers) = state.withLock { all -> ([CheckedContinuation<Bool, Never>], [Task<Void, Never>]) in
            guard all[execution] != nil else { return ([], []) }
            defer {
                all[execution]!.waiters = [:]
                all[execution]!.timers = [:]
            }
            return (Array(all[execution]!.waiters.values), Array(all[execution]!.timers.values))
        }
        for timer in timers { timer.cancel() }
        for continuation in woken { continuation.resume(returning: false) }
    }

    func notify(_ executions: [String]) {
        let (woken, timers) = state.withLock { all -> ([CheckedContinuation<Bool, Never>], [Task<Void, Never>]) in
            var woken: [CheckedContinuation<Bool, Never>] = [], timers: [Task<Void, Never>] = []
            for execution in Set(executions) where all[execution] != nil {
                all[execution]!.generation += 1
                woken += all[execution]!.waiters.values
                timers += all[execution]!.timers.values
                all[execution]!.waiters = [:]
                all[execution]!.timers = [:]
            }
            return (woken, timers)
        }
        for timer in timers { timer.cancel() }
        for continuation in woken { continuation.resume(returning: true) }
    }
}
