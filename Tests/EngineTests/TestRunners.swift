import Core
import Synchronization
@testable import Engine

/// A runner that may hold a worker until released: the harness releases it before it stops
/// its engines (a stop waits for its workers), so a test that fails early does not hang.
protocol Releasable: Sendable {
    func release()
}

/// What a test runner saw of each attempt it ran.
struct SeenAttempt: Sendable {
    let attempt: Int
    let now: Instant
    let config: JSONValue
}

/// A runner scripted per call: the n-th call returns the n-th outcome (the last one repeats),
/// and every call is recorded.
final class ScriptedRunner: StepRunner, Sendable {
    private let script: [StepOutcome]
    private let seen = Mutex<[SeenAttempt]>([])

    init(_ script: StepOutcome...) { self.script = script }

    var calls: [SeenAttempt] { seen.withLock { $0 } }

    func run(_ step: StepInvocation) async -> StepOutcome {
        let index = seen.withLock { seen in
            seen.append(SeenAttempt(attempt: step.attempt, now: step.now, config: step.config))
            return seen.count - 1
        }
        return script[min(index, script.count - 1)]
    }
}

/// A runner whose first call blocks until `release` — and ignores cancellation, as a step hung
/// in a system call would: the engine's timeout cannot end it, only its lease running out
/// can hand its job to another worker. Later calls return `then` at once.
final class BlockingRunner: StepRunner, Releasable, Sendable {
    /// What calls after the first do.
    enum Later: Sendable {
        case returns(StepOutcome)
        /// Waits (up to 30 s) until cancelled, noting it, then fails as cancelled.
        case waitsForCancel
    }

    private struct State {
        var calls: [SeenAttempt] = []
        var cancelledCalls = 0
        var released = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let blocked: StepOutcome
    private let later: Later
    private let entered: AsyncStream<Void>.Continuation
    /// Yields once each time a call starts.
    let starts: AsyncStream<Void>

    convenience init(blocked: StepOutcome = .succeeded("first"), then: StepOutcome = .succeeded("second")) {
        self.init(blocked: blocked, later: .returns(then))
    }

    init(blocked: StepOutcome = .succeeded("first"), later: Later) {
        self.blocked = blocked
        self.later = later
        (starts, entered) = AsyncStream.makeStream(of: Void.self)
    }

    var calls: [SeenAttempt] { state.withLock { $0.calls } }

    /// Later calls that saw their cancellation.
    var cancelledCalls: Int { state.withLock { $0.cancelledCalls } }

    func run(_ step: StepInvocation) async -> StepOutcome {
        let first = state.withLock { state in
            state.calls.append(SeenAttempt(attempt: step.attempt, now: step.now, config: step.config))
            return state.calls.count == 1
        }
        entered.yield()
        guard first else {
            switch later {
            case .returns(let outcome):
                return outcome
            case .waitsForCancel:
                try? await Task.sleep(for: .seconds(30))
                if Task.isCancelled { state.withLock { $0.cancelledCalls += 1 } }
                return .failed(StepError(.cancelled, "cancelled"))
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.released { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return blocked
    }

    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.released = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits for the next call to start (or gives up after the timeout).
    func nextStart(timeout: Duration = .seconds(30)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [starts] in
                for await _ in starts { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// A runner for a process that dies mid-run: its first `healthy` calls succeed; every call
/// after them hangs (ignoring cancellation) until `release`, as the workers of a process that
/// stopped answering. What it returns then is "first": late, and for a job taken over since.
final class CrashingRunner: StepRunner, Releasable, Sendable {
    private struct State {
        var calls = 0
        var blocked = 0
        var released = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    let healthy: Int

    init(healthy: Int) { self.healthy = healthy }

    var blocked: Int { state.withLock { $0.blocked } }

    func run(_ step: StepInvocation) async -> StepOutcome {
        let hang = state.withLock { state -> Bool in
            state.calls += 1
            guard state.calls > healthy, !state.released else { return false }
            state.blocked += 1
            return true
        }
        if hang {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.released { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        return .succeeded("first")
    }

    func release() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
