import Core
import Storage
import Synchronization

/// Ready jobs waiting for a worker, one queue per org, served round-robin so that one tenant's
/// thousands of queued jobs do not starve another's one (DESIGN §5, fair dispatch). Jobs reach
/// it only after the transaction that made them committed.
final class Dispatcher: Sendable {
    struct Key: Hashable {
        let id: Int64
        let token: Int

        init(_ ticket: JobTicket) {
            id = ticket.id
            token = ticket.token
        }
    }

    private struct State {
        var queues: [String: [JobTicket]] = [:]
        var heads: [String: Int] = [:]
        /// Orgs with queued jobs, in the order they are served.
        var rotation: [String] = []
        var waiting: [CheckedContinuation<Handout?, Never>] = []
        /// Jobs queued or running here, by id and token, so a timer poll never queues one twice;
        /// a job taken over under a new token (its lease expired) is a new entry.
        var known: Set<Key> = []
        var closed = false
        var queued = 0
        /// What the committing transaction already knew of queued jobs' executions, by
        /// execution and job id, and the bytes it holds (bounded by `maximumCarriedBytes`).
        var carried: [String: [Int64: Carried]] = [:]
        var carriedBytes = 0
        /// When each queued job was handed over (after its commit), to measure dispatch latency.
        var enqueuedAt: [Key: ContinuousClock.Instant] = [:]
        var latencies: [Duration] = []

        mutating func takeCarried(_ ticket: JobTicket) -> CarriedContext? {
            guard let entry = carried[ticket.executionID]?.removeValue(forKey: ticket.id) else { return nil }
            if carried[ticket.executionID]?.isEmpty == true { carried[ticket.executionID] = nil }
            carriedBytes -= entry.bytes
            return entry.context
        }
    }

    /// Commit → worker start, for the jobs dispatched since the last call (at most 100,000 kept).
    func takeLatencies() -> [Duration] {
        state.withLock { state in
            defer { state.latencies = [] }
            return state.latencies
        }
    }

    /// A worker has loaded the job and starts its step: the end of its dispatch.
    func started(_ ticket: JobTicket) {
        let now = ContinuousClock.now
        state.withLock { state in
            if let start = state.enqueuedAt.removeValue(forKey: Key(ticket)), state.latencies.count < 100_000 {
                state.latencies.append(now - start)
            }
        }
    }

    private let state = Mutex(State())

    /// A job for a worker, with what its committing transaction knew of its execution if any.
    typealias Handout = (ticket: JobTicket, carried: CarriedContext?)
    /// A context and what it weighs (its execution's input, and a little more).
    typealias Carried = (context: CarriedContext, bytes: Int)

    /// Queued jobs hold their contexts up to this much; past it, a job's worker reads its
    /// execution as usual. A backlog of executions with large inputs must not pin memory.
    static let maximumCarriedBytes = 16 << 20

    /// Queues jobs not already known, with the contexts (by job id) their worker may start
    /// from. Returns how many were new.
    @discardableResult
    func enqueue(_ tickets: [JobTicket], carried: [Int64: Carried] = [:]) -> Int {
        var handOff: [(CheckedContinuation<Handout?, Never>, Handout)] = []
        let added = state.withLock { state -> Int in
            var added = 0
            for ticket in tickets where !state.closed && state.known.insert(Key(ticket)).inserted {
                added += 1
                state.enqueuedAt[Key(ticket)] = ContinuousClock.now
                if !state.waiting.isEmpty {
                    handOff.append((state.waiting.removeFirst(), (ticket, carried[ticket.id]?.context)))
                    continue
                }
                if let entry = carried[ticket.id], state.carriedBytes + entry.bytes <= Self.maximumCarriedBytes {
                    state.carried[ticket.executionID, default: [:]][ticket.id] = entry
                    state.carriedBytes += entry.bytes
                }
                if state.queues[ticket.orgID] == nil || state.queues[ticket.orgID]!.count == state.heads[ticket.orgID, default: 0] {
                    if !state.rotation.contains(ticket.orgID) { state.rotation.append(ticket.orgID) }
                }
                state.queues[ticket.orgID, default: []].append(ticket)
                state.queued += 1
            }
            return added
        }
        for (continuation, ticket) in handOff { continuation.resume(returning: ticket) }
        return added
    }

    /// A worker takes a job its own commit made ready, without queueing it: false when the job
    /// is known here already (or the dispatcher is closed), and then it is queued as usual.
    func claim(_ ticket: JobTicket) -> Bool {
        state.withLock { state in
            guard !state.closed, state.known.insert(Key(ticket)).inserted else { return false }
            state.enqueuedAt[Key(ticket)] = ContinuousClock.now
            return true
        }
    }

    /// The next job for a worker: waits while there is none; nil once closed.
    func next() async -> Handout? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Handout?, Never>) in
            let handout: Handout?? = state.withLock { state in
                if state.closed { return .some(nil) }
                guard let org = state.rotation.first else {
                    state.waiting.append(continuation)
                    return nil
                }
                var queue = state.queues[org]!
                let head = state.heads[org, default: 0]
                let ticket = queue[head]
                state.rotation.removeFirst()
                state.queued -= 1
                if head + 1 == queue.count {
                    state.queues[org] = nil
                    state.heads[org] = nil
                } else {
                    state.rotation.append(org)
                    // why: drop served entries now and then instead of shifting the array each time.
                    if head + 1 > 1024 {
                        queue.removeFirst(head + 1)
                        state.queues[org] = queue
                        state.heads[org] = 0
                    } else {
                        state.heads[org] = head + 1
                    }
                }
                return .some((ticket, state.takeCarried(ticket)))
            }
            if let handout { continuation.resume(returning: handout) }
        }
    }

    /// A job is finished with (completed, or dropped): it may be queued again later.
    func forget(_ ticket: JobTicket) {
        state.withLock { state in
            state.known.remove(Key(ticket))
            state.enqueuedAt[Key(ticket)] = nil
        }
    }

    /// These executions ended: what was carried for their queued jobs is stale (a cancelled
    /// one's steps must not run from a record that says "running"); their workers read.
    func dropCarried(_ executions: [String]) {
        state.withLock { state in
            for execution in executions {
                guard let dropped = state.carried.removeValue(forKey: execution) else { continue }
                state.carriedBytes -= dropped.values.reduce(0) { $0 + $1.bytes }
            }
        }
    }

    var depth: Int { state.withLock { $0.queued } }

    /// Wakes every waiting worker with nil; nothing more is handed out.
    func close() {
        let waiting = state.withLock { state -> [CheckedContinuation<Handout?, Never>] in
            state.closed = true
            state.carried = [:]
            state.carriedBytes = 0
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(returning: nil) }
    }
}
