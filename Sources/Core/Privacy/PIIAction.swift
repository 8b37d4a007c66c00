/// What a privacy policy does with personal data it finds (docs/compliance.md#pii-detection-and-masking).
///
/// The cases are ordered by strictness, and each includes what the ones below it do:
/// `off` < `mask_in_prompts` (what is sent to a model is masked) < `mask` (and what is stored:
/// the execution's input and output, step outputs and errors, streamed text, checkpoints)
/// < `block` (and a step whose input, prompt or output holds it fails; an execution whose input
/// holds it does not start).
public enum PIIAction: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case off
    case maskInPrompts = "mask_in_prompts"
    case mask
    case block

    private var strictness: Int {
        switch self {
        case .off: 0
        case .maskInPrompts: 1
        case .mask: 2
        case .block: 3
        }
    }

    public static func < (lhs: PIIAction, rhs: PIIAction) -> Bool { lhs.strictness < rhs.strictness }

    /// The names, for messages: `off, mask_in_prompts, mask, block`.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}
