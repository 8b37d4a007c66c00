import Storage
import Synchronization

/// What one step attempt spent on models (and which vault secrets its runner read), handed to
/// the transaction that records its outcome.
final class CallMeter: Sendable {
    private let recorded = Mutex<(calls: [LLMCall], secrets: [String: Int], reserved: Bool)>(([], [:], false))

    /// A budget reservation was taken for this attempt: its completion must release it.
    func markReserved() { recorded.withLock { $0.reserved = true } }

    var reserved: Bool { recorded.withLock { $0.reserved } }

    func add(_ call: LLMCall) { recorded.withLock { $0.calls.append(call) } }

    func readSecret(_ path: String, version: Int) { recorded.withLock { $0.secrets[path] = version } }

    var calls: [LLMCall] { recorded.withLock { $0.calls } }

    /// The calls not yet recorded, handed to a checkpoint.
    func takeCalls() -> [LLMCall] {
        recorded.withLock { state in
            defer { state.calls = [] }
            return state.calls
        }
    }

    func putBack(_ calls: [LLMCall]) { recorded.withLock { $0.calls.insert(contentsOf: calls, at: 0) } }

    var secretsRead: [String: Int] { recorded.withLock { $0.secrets } }

    var totalMicros: Int64 { recorded.withLock { $0.calls.reduce(0) { $0 + $1.costMicros } } }
}
