import Core
import Storage
import Synchronization

/// What an execution's privacy rules (`ExecutionRecord.privacy`) do to one step attempt
/// (docs/compliance.md#pii-detection-and-masking): a blocked kind in its input, prompt or output
/// fails it; masked kinds are masked in what it stores and, from `mask_in_prompts` up, in
/// what it sends to a model. Findings are counted by kind; values are never kept or logged.
enum StepPrivacy {
    /// The classified, non-retryable failure for blocked kinds found in `place`.
    static func blocked(_ kinds: Set<String>, in place: String) -> StepError {
        StepError(.piiBlocked, "the step's \(place) holds personal data of kind \(kinds.sorted().joined(separator: ", ")), which the "
                  + "privacy policy blocks (docs/compliance.md#pii-detection-and-masking)")
    }

    /// A failure when the rendered input holds a blocked kind.
    static func check(input: JSONValue, _ rules: PrivacyRules?) -> StepError? {
        guard let blocking = rules?.scanner(atLeast: .block) else { return nil }
        let found = blocking.found(in: input)
        return found.isEmpty ? nil : blocked(found, in: "input")
    }

    /// The outcome as it may be stored: a blocked kind in an output fails the step (the output
    /// is not kept); masked kinds are masked in outputs, errors and approval messages.
    static func stored(_ outcome: StepOutcome, _ rules: PrivacyRules?) -> (StepOutcome, [String: Int]) {
        guard let rules else { return (outcome, [:]) }
        if let blocking = rules.scanner(atLeast: .block) {
            switch outcome {
            case .succeeded(let output, _), .wait(_, let output):
                let found = blocking.found(in: output)
                if !found.isEmpty { return (.failed(blocked(found, in: "output")), [:]) }
            default: break
            }
        }
        guard let masking = rules.scanner(atLeast: .mask) else { return (outcome, [:]) }
        switch outcome {
        case .succeeded(let output, let selected):
            let (masked, counts) = masking.mask(output)
            return (.succeeded(masked, selected: selected), counts)
        case .wait(let until, let output):
            let (masked, counts) = masking.mask(output)
            return (.wait(untilMs: until, output: masked), counts)
        case .failed(let error):
            let (message, counts) = masking.mask(error.message)
            return (.failed(StepError(error.kind, message, retryAfterMs: error.retryAfterMs)), counts)
        case .approval(let policy, let message?):
            let (masked, counts) = masking.mask(message)
            return (.approval(policy, message: masked), counts)
        case .approval, .skipped, .child:
            return (outcome, [:])
        }
    }

    /// What the rules do to the messages about to be sent to a model: refuse them (a blocked
    /// kind in any), or mask them. Only messages from `counted` on are counted: the earlier
    /// ones were counted when they were first sent.
    static func prompt(_ messages: [JSONValue], counted: Int, _ rules: PrivacyRules?) -> Result<(messages: [JSONValue], counts: [String: Int]), StepError> {
        guard let rules, let masking = rules.scanner(atLeast: .maskInPrompts) else { return .success((messages, [:])) }
        if let blocking = rules.scanner(atLeast: .block) {
            let found = messages.reduce(into: Set<String>()) { $0.formUnion(blocking.found(in: $1)) }
            if !found.isEmpty { return .failure(blocked(found, in: "prompt")) }
        }
        var counts: [String: Int] = [:]
        let masked = messages.enumerated().map { index, message in
            let (value, found) = masking.mask(message)
            if index >= counted { counts = PIICounts.adding(counts, found) }
            return value
        }
        return .success((masked, counts))
    }

    /// The scanner for what a step stores besides its outcome (streamed text, checkpoints).
    static func storing(_ rules: PrivacyRules?) -> PIIScanner? { rules?.scanner(atLeast: .mask) }
}

/// Findings masked during one attempt outside its outcome (the prompts it sent), handed to the
/// transaction that records the outcome.
final class PIITally: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func add(_ found: [String: Int]) {
        guard !found.isEmpty else { return }
        counts.withLock { $0 = PIICounts.adding($0, found) }
    }

    var total: [String: Int] { counts.withLock { $0 } }
}
