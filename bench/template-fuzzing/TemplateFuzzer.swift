// The random template generator shared by the suite's fuzz test (Tests/CoreTests) and the
// fuzzer (bench/template-fuzz): test code, kept out of Core.
import Core

/// A tiny deterministic PRNG (SplitMix64), so a failing case can be reproduced from its seed.
public struct SplitMix64 {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`; `bound` must be positive.
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}

/// Random template texts: sequences of grammar-ish pieces, and valid templates with random
/// deletions, insertions, replacements and duplications.
public struct TemplateFuzzer {
    static let pieces: [String] = [
        "{{", "}}", "{{ ", " }}", " ", "input", "nodes", "env", ".", "count", "name", "items", "ticket",
        "[", "]", "[0]", "[-1]", "['k']", "(", ")", ",", "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">",
        ">=", "&&", "||", "!", "not ", " and ", " or ", "true", "false", "null", "0", "1", "1.5", "2e3",
        "9223372036854775807", "99999999999999999999", "'", "\"", "'a'", "\"b\"", "\\", "\\u00e9", "\\u12",
        "length(", "lower(", "upper(", "trim(", "join(", "split(", "json(", "default(", "coalesce(", "now()",
        "format_date(", "contains(", "starts_with(", "ends_with(", "regex_match(", "secret(", "lenght(",
        "'(a+)+$'", "'[a-z]{2,3}'", "'yyyy-MM-dd'", "\u{E9}", "\n", "{", "}", "=", "&", "|",
    ]

    static let seeds: [String] = [
        "{{ input.count > 3 && input.name == 'x' }}",
        "Hello {{ input.name }}, you have {{ length(input.items) }} items",
        "{{ nodes.fetch.output.body.rows[-1] * 2 + 1 }}",
        "{{ default(input.missing, 'fallback') }}",
        "{{ join(split(input.email, '@'), ' at ') }}",
        "{{ format_date(now(), 'yyyy-MM-dd HH:mm:ss.SSS') }}",
        "{{ regex_match(input.email, '^[a-z]+@[a-z]+\\.com$') }}",
        "{{ contains(input.ticket.tags, 'urgent') || !input.flag }}",
        "{{ coalesce(input.nothing, input.ratio, 0) / 2 }}",
        "{{ secret('payments/key', 'token') }}",
        "{{ [1, 'a', null, [true]][3][0] }}",
        "{{ upper(trim(input.text)) + lower('ABC') }}",
        "{{ json(nodes.fetch.output.body) }} and {{ input[\"key-with-dash\"] }}",
        "{{ (1 + 2) * -3 % 4 == -1 }}",
        "{{ 'it\\'s' + \"\\u00e9\\n\" }}",
        "{{ starts_with(input.email, 'ada') && ends_with(input.email, '.com') }}",
    ]

    static let alphabet: [Unicode.Scalar] = [
        "{", "}", "(", ")", "[", "]", "'", "\"", "\\", ".", ",", " ", "a", "0", "9", "-", "+", "!", "=", "<",
        "|", "&", "\u{E9}", "\n", "$", "^", "*", "?",
    ]

    private var random: SplitMix64

    public init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    public mutating func next() -> String {
        random.below(2) == 0 ? randomText() : mutatedSeed()
    }

    private mutating func randomText() -> String {
        var text = ""
        for _ in 0..<(1 + random.below(24)) {
            text += Self.pieces[random.below(Self.pieces.count)]
        }
        return text
    }

    private mutating func mutatedSeed() -> String {
        var scalars = Array(Self.seeds[random.below(Self.seeds.count)].unicodeScalars)
        for _ in 0..<(1 + random.below(3)) {
            let choice = random.below(4)
            if scalars.isEmpty || choice == 0 {
                let at = random.below(scalars.count + 1)
                scalars.insert(contentsOf: Self.pieces[random.below(Self.pieces.count)].unicodeScalars, at: at)
            } else if choice == 1 {
                let start = random.below(scalars.count)
                let length = 1 + random.below(min(8, scalars.count - start))
                scalars.removeSubrange(start..<(start + length))
            } else if choice == 2 {
                scalars[random.below(scalars.count)] = Self.alphabet[random.below(Self.alphabet.count)]
            } else {
                let start = random.below(scalars.count)
                let length = 1 + random.below(min(12, scalars.count - start))
                let copy = Array(scalars[start..<(start + length)])
                scalars.insert(contentsOf: copy, at: random.below(scalars.count + 1))
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }

    /// What one random text did.
    public enum Outcome: Equatable, Sendable {
        /// Parsing threw a `TemplateError` positioned inside the text.
        case refused
        /// It parsed; evaluating gave a value or a positioned `TemplateError`.
        case evaluated
        /// Anything else: an error of another type, or a position outside the text.
        case failed(String)
    }

    public static func check(_ text: String, in context: TemplateContext) -> Outcome {
        let scalarCount = text.unicodeScalars.count
        let template: Template
        do {
            template = try Template.parse(text)
        } catch {
            return problem(error, scalarCount: scalarCount, stage: "parse").map(Outcome.failed) ?? .refused
        }
        do {
            _ = try template.evaluate(in: context)
        } catch {
            return problem(error, scalarCount: scalarCount, stage: "evaluate").map(Outcome.failed) ?? .evaluated
        }
        return .evaluated
    }

    private static func problem(_ error: any Error, scalarCount: Int, stage: String) -> String? {
        guard let error = error as? TemplateError else {
            return "\(stage) threw \(type(of: error)): \(error)"
        }
        guard error.offset >= 0, error.offset <= scalarCount, error.line >= 1, error.column >= 1,
              !error.message.isEmpty else {
            return "\(stage) error out of bounds: \(error) (offset \(error.offset), text has \(scalarCount) scalars)"
        }
        return nil
    }
}
