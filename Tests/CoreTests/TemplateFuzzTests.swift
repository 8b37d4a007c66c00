import Core
import TemplateFuzzing
import Testing

@Suite struct TemplateFuzzTests {
    @Test func randomTextNeverCrashesAndFailsOnlyWithPositionedErrors() {
        let context = TemplateFixtures.makeContext(secretResolver: { path, _ in .string("secret:" + path) })
        var fuzzer = TemplateFuzzer(seed: 0x5EED_7E3A_1A7E)
        let clock = ContinuousClock()
        let started = clock.now
        var checked = 0
        var evaluated = 0
        while checked < 20_000, started.duration(to: clock.now) < .seconds(5) {
            let text = fuzzer.next()
            let outcome = TemplateFuzzer.check(text, in: context)
            if case .failed(let problem) = outcome {
                Issue.record("\(String(reflecting: text)): \(problem)")
            }
            if outcome == .evaluated { evaluated += 1 }
            checked += 1
        }
        #expect(checked >= 1000)
        // The generator must reach the evaluator, not only the parser's error paths.
        #expect(evaluated > checked / 50)
    }

    @Test func theGeneratorIsDeterministic() {
        var first = TemplateFuzzer(seed: 42)
        var second = TemplateFuzzer(seed: 42)
        for _ in 0..<100 {
            #expect(first.next() == second.next())
        }
    }
}
