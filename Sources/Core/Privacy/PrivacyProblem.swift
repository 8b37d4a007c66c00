/// Why a privacy policy or a custom pattern was refused. `code` is stable (the API's problem
/// code); the message says what to change and never repeats a scanned value.
public struct PrivacyProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A kind name that is neither a built-in detector nor `custom`.
        case unknownKind = "pii_kind_unknown"
        /// An action name that is not off, mask_in_prompts, mask or block.
        case unknownAction = "pii_action_unknown"
        /// A custom pattern's name is malformed, reused, or a built-in kind's.
        case patternName = "pii_pattern_name"
        /// A custom pattern does not compile, matches the empty text, or is too long.
        case patternInvalid = "pii_pattern_invalid"
        /// A custom pattern could take exponential time (nested or adjacent unbounded
        /// repetition, back-references).
        case patternCatastrophic = "pii_pattern_catastrophic"
        /// More custom patterns than an org may have.
        case tooManyPatterns = "pii_patterns_too_many"
    }

    public let code: Code
    public let message: String
    /// The request field it is about (`patterns[2].regex`), when a caller knows it.
    public var field: String

    public init(_ code: Code, _ message: String, field: String = "") {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { message }
}
