// Template fuzzer: runs the random template generator of Tests/CoreTests/TemplateFuzzTests.swift
// (copied here: a test target cannot be imported) for N seconds and reports what it found.
// Every text must either parse or fail with a TemplateError positioned inside the text, and so
// must evaluating whatever parsed; a crash is a failure too (the process dies with the text
// printed last in `--verbose` mode).
// It then times the hot path: `{{ input.count > 3 && input.name == 'x' }}`, pre-parsed, target
// >= 1,000,000 evaluations per second on one core in release mode.
// Usage: template-fuzz [seconds=10] [seed=1] [--verbose]
import Core
import Foundation

let arguments = CommandLine.arguments.dropFirst().filter { $0 != "--verbose" }
let verbose = CommandLine.arguments.contains("--verbose")
let seconds = arguments.first.flatMap { Double($0) } ?? 10
let seed = arguments.dropFirst().first.flatMap { UInt64($0) } ?? 1

/// A tiny deterministic PRNG (SplitMix64), so a failing case can be reproduced from its seed.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`; `bound` must be positive.
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}

/// Random template texts: sequences of grammar-ish pieces, and valid templates with random
/// deletions, insertions, replacements and duplications.
struct TemplateFuzzer {
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

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    mutating func next() -> String {
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
    enum Outcome: Equatable {
        /// Parsing threw a `TemplateError` positioned inside the text.
        case refused
        /// It parsed; evaluating gave a value or a positioned `TemplateError`.
        case evaluated
        /// Anything else: an error of another type, or a position outside the text.
        case failed(String)
    }

    static func check(_ text: String, in context: TemplateContext) -> Outcome {
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

let now = Instant(millisecondsSinceEpoch: 1_740_823_620_000)
let roots: [String: JSONValue] = [
    "input": .object([
        "count": .integer(5), "name": .string("x"), "ratio": .number(0.5), "flag": .bool(true), "nothing": .null,
        "text": .string("  padded \n"), "email": .string("ada@example.com"), "key-with-dash": .string("dashed"),
        "items": .array([.integer(1), .integer(2), .integer(3)]),
        "ticket": .object([
            "id": .integer(42), "subject": .string("Printer on fire"),
            "tags": .array([.string("urgent"), .string("hardware")]),
        ]),
    ]),
    "nodes": .object([
        "fetch": .object(["output": .object(["body": .object(["ok": .bool(true),
                                                              "rows": .array([.integer(10), .integer(20)])])])]),
    ]),
    "env": .object(["region": .string("eu")]),
]
let context = TemplateContext(roots: roots, now: now, secretResolver: { path, _ in .string("secret:" + path) })

let clock = ContinuousClock()
let limit = Duration.milliseconds(Int64(max(0, seconds) * 1000))
let started = clock.now
var fuzzer = TemplateFuzzer(seed: seed)
var iterations = 0
var evaluated = 0
var failures = 0
while started.duration(to: clock.now) < limit {
    for _ in 0..<100 {
        let text = fuzzer.next()
        if verbose { print(String(reflecting: text)) }
        switch TemplateFuzzer.check(text, in: context) {
        case .refused:
            break
        case .evaluated:
            evaluated += 1
        case .failed(let problem):
            failures += 1
            if failures <= 20 { print("FAIL \(String(reflecting: text)): \(problem)") }
        }
        iterations += 1
    }
}
print("seed \(seed): \(iterations) iterations, \(evaluated) parsed and evaluated, \(failures) failures")

// Hot path throughput.
let condition = try Template.parse("{{ input.count > 3 && input.name == 'x' }}")
let rounds = 2_000_000
var truthy = 0
let benchStarted = clock.now
for _ in 0..<rounds {
    if try condition.evaluateCondition(in: context) { truthy += 1 }
}
let elapsed = benchStarted.duration(to: clock.now)
let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let rate = elapsedSeconds > 0 ? Double(rounds) / elapsedSeconds : 0
print(String(format: "hot path: %.0f evaluations/s (%ld true; target >= 1,000,000 in release mode)", rate, truthy))

exit(failures == 0 ? 0 : 1)
