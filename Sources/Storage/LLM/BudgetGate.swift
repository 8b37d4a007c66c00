import Core
import Synchronization

/// Budget reservations of running llm steps, in memory: what a step may still cost, held from
/// its admission until its outcome is committed.
///
/// They need no durability — a restart has no running steps, so it starts with none — only
/// atomicity: an admission reads the period's spend (a read, no write), then checks and
/// reserves under this lock. A release that happened since the read (a completion that moved
/// its cost from reserved to spent) makes the admission read again, so no cost is ever counted
/// neither as spent nor as reserved. One agentd per database, so one gate per database.
public final class BudgetGate: Sendable {
    struct Key: Hashable {
        let job: Int64
        let token: Int
    }

    private struct State {
        var reserved: [String: Int64] = [:]
        var holds: [Key: (budgets: [String], micros: Int64)] = [:]
        /// Bumped by every release.
        var epoch = 0
    }

    private let state = Mutex(State())

    public init() {}

    var epoch: Int { state.withLock { $0.epoch } }

    /// What running steps hold against a budget.
    func reserved(_ budget: String, excluding key: Key? = nil) -> Int64 {
        state.withLock { state in
            let own = key.flatMap { state.holds[$0] }.map { $0.budgets.contains(budget) ? $0.micros : 0 } ?? 0
            return (state.reserved[budget] ?? 0) - own
        }
    }

    enum Decision { case held(overage: Bool), refused(String), stale }

    /// Admission kept seeing releases: too busy to decide now.
    public struct Busy: Error, CustomStringConvertible {
        public var description: String { "budgets are too busy to admit the step now" }
    }

    /// Checks `micros` against each budget with `spent` read at `epoch`, and holds it if all
    /// admit; `stale` when a release came since (read the spend again).
    func admit(_ key: Key, budgets: [(Budget, spent: Int64)], micros: Int64, epoch: Int) -> Decision {
        state.withLock { state in
            guard state.epoch == epoch else { return .stale }
            let previous = state.holds[key]
            var overage = false
            for (budget, spent) in budgets {
                let own = previous.map { $0.budgets.contains(budget.id) ? $0.micros : 0 } ?? 0
                switch BudgetRules.admit(limit: budget.limitMicros, spent: spent, reserved: (state.reserved[budget.id] ?? 0) - own,
                                         reservation: micros, allowOverage: budget.allowOverage, name: budget.label) {
                case .admit: break
                case .overage: overage = true
                case .refuse(let message): return .refused(message)
                }
            }
            if let previous {
                for id in previous.budgets { state.reserved[id, default: 0] -= previous.micros }
                // A hold replaced by a smaller one (its step's earlier calls are spent now) is a
                // release too: admissions that read the spend before must read it again.
                state.epoch += 1
            }
            let ids = budgets.map(\.0.id)
            for id in ids { state.reserved[id, default: 0] += micros }
            state.holds[key] = (ids, micros)
            return .held(overage: overage)
        }
    }

    /// After the outcome's commit (its cost is spent now), or when the step will not run.
    func release(job: Int64, token: Int) {
        state.withLock { state in
            guard let hold = state.holds.removeValue(forKey: Key(job: job, token: token)) else { return }
            for id in hold.budgets { state.reserved[id, default: 0] -= hold.micros }
            state.epoch += 1
        }
    }

    /// At start: nothing runs.
    func clear() {
        state.withLock { state in
            state.reserved = [:]
            state.holds = [:]
            state.epoch += 1
        }
    }
}
