// Template fuzzer: runs the random template generator the suite's fuzz test uses
// (bench/template-fuzzing) for N seconds and reports what it found.
// Every text must either parse or fail with a TemplateError positioned inside the text, and so
// must evaluating whatever parsed; a crash is a failure too (the process dies with the text
// printed last in `--verbose` mode).
// It then times the hot path: `{{ input.count > 3 && input.name == 'x' }}`, pre-parsed, target
// >= 1,000,000 evaluations per second on one core in release mode.
// Usage: template-fuzz [seconds=10] [seed=1] [--verbose]
import Core
import TemplateFuzzing
import Foundation

let arguments = CommandLine.arguments.dropFirst().filter { $0 != "--verbose" }
let verbose = CommandLine.arguments.contains("--verbose")
let seconds = arguments.first.flatMap { Double($0) } ?? 10
let seed = arguments.dropFirst().first.flatMap { UInt64($0) } ?? 1

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
