/// What a model's tokens cost, in micro-dollars per million tokens (so "$0.10 per million
/// input tokens" is `input: 100_000`).
public struct ModelPrice: Hashable, Sendable {
    public var inputMicrosPerMillion: Int64
    public var outputMicrosPerMillion: Int64

    public init(input: Int64, output: Int64) {
        self.inputMicrosPerMillion = input
        self.outputMicrosPerMillion = output
    }

    public static let free = ModelPrice(input: 0, output: 0)

    /// The cost of one call, rounded up to a whole micro-dollar: a budget is never
    /// under-charged by rounding.
    public func cost(promptTokens: Int, completionTokens: Int) -> Int64 {
        // Tokens are clamped (TokenUsage.maximumTokens) and prices bounded (ModelSpec), so this
        // cannot overflow; it saturates all the same rather than trap on a corrupt row.
        let (input, overflowIn) = Int64(max(0, promptTokens)).multipliedReportingOverflow(by: max(0, inputMicrosPerMillion))
        let (output, overflowOut) = Int64(max(0, completionTokens)).multipliedReportingOverflow(by: max(0, outputMicrosPerMillion))
        let (total, overflowSum) = input.addingReportingOverflow(output)
        if overflowIn || overflowOut || overflowSum || total > Int64.max - 999_999 { return Int64.max / 1_000_000 }
        return (total + 999_999) / 1_000_000
    }

    /// What a call may cost at most, reserved against a budget before it is sent: the prompt
    /// estimated at one token per three bytes (generous for every tokenizer we know), and every
    /// token up to `maxTokens` of output.
    public func reservation(promptBytes: Int, maxTokens: Int) -> Int64 {
        cost(promptTokens: promptBytes / 3 + 16, completionTokens: maxTokens)
    }
}
