import Core
import Synchronization

/// Passes a streamed answer on to the execution's event stream in pieces of at most a tenth
/// of a second: one event (one commit) per token would cost more than the tokens.
final class StreamRelay: Sendable {
    typealias Send = @Sendable (_ step: StepInvocation, _ iteration: Int, _ text: String) async -> Void

    private let step: StepInvocation
    private let iteration: Int
    private let send: Send
    private let pending = Mutex<(text: String, since: ContinuousClock.Instant?)>(("", nil))
    static let interval = Duration.milliseconds(100)

    /// Set when the step read vault values: everything is held until `flush`, then scrubbed.
    private let scrubbing: StepSecrets?

    /// Set when the execution's privacy rules mask what is stored: held the same way, then
    /// masked (a value split across two pieces could not be found).
    private let masking: PIIScanner?

    init(step: StepInvocation, iteration: Int, send: @escaping Send, scrubbing: StepSecrets? = nil, masking: PIIScanner? = nil) {
        self.step = step
        self.iteration = iteration
        self.send = send
        self.scrubbing = scrubbing
        self.masking = masking
    }

    func add(_ text: String) async {
        if scrubbing != nil || masking != nil {
            pending.withLock { $0.text += text }
            return
        }
        let due: String? = pending.withLock { state in
            state.text += text
            let since = state.since ?? ContinuousClock.now
            state.since = since
            guard ContinuousClock.now - since >= Self.interval else { return nil }
            defer { state = ("", nil) }
            return state.text
        }
        if let due { await send(step, iteration, due) }
    }

    func flush() async {
        let rest = pending.withLock { state in
            defer { state = ("", nil) }
            return state.text
        }
        guard !rest.isEmpty else { return }
        let scrubbed = scrubbing.map { $0.scrub(rest) } ?? rest
        await send(step, iteration, masking.map { $0.mask(scrubbed).text } ?? scrubbed)
    }
}
