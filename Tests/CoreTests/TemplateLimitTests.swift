import Core
import Testing

@Suite struct TemplateLimitTests {
    static let big = String(repeating: "a", count: 600_000)

    func bigContext(limits: TemplateLimits = .standard) -> TemplateContext {
        TemplateFixtures.makeContext(limits: limits, extra: ["big": .string(Self.big)])
    }

    @Test func textUpTo16KiBParsesAndLongerIsRefused() throws {
        let longest = String(repeating: "x", count: 16 * 1024)
        #expect(try Template.parse(longest).isLiteral)
        let error = TemplateFixtures.failure(of: longest + "x")
        #expect(error?.kind == .limitExceeded)
        #expect(error?.message.contains("16384") == true)
    }

    @Test func nestingIsLimitedTo64Levels() throws {
        let fine = "{{ " + String(repeating: "(", count: 64) + "1" + String(repeating: ")", count: 64) + " }}"
        #expect(try TemplateFixtures.evaluate(fine) == JSONValue.integer(1))
        let deep = "{{ " + String(repeating: "(", count: 65) + "1" + String(repeating: ")", count: 65) + " }}"
        let error = TemplateFixtures.failure(of: deep)
        #expect(error?.kind == .limitExceeded)
        #expect(error?.column == 3 + 65)
        #expect(error?.message.contains("64 levels") == true)
    }

    @Test(arguments: [
        String(repeating: "!", count: 100) + "true",
        String(repeating: "-", count: 100) + "1",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        String(repeating: "length(", count: 100) + "1" + String(repeating: ")", count: 100),
        "1" + String(repeating: " + 1", count: 64),
    ])
    func deepExpressionsAreRefusedNotRecursedInto(_ expression: String) {
        #expect(TemplateFixtures.failure(of: "{{ \(expression) }}")?.kind == .limitExceeded)
    }

    @Test func aChainOf64TermsIsTheLongestAllowed() throws {
        let sum = "{{ 1" + String(repeating: " + 1", count: 63) + " }}"
        #expect(try TemplateFixtures.evaluate(sum) == JSONValue.integer(64))
    }

    @Test func aTemplateHasAtMost1000Nodes() throws {
        let fits = "{{ [" + String(repeating: "1, ", count: 998) + "1] }}"
        let value = try TemplateFixtures.evaluate(fits)
        #expect(value.arrayValue?.count == 999)
        let tooMany = "{{ [" + String(repeating: "1, ", count: 1000) + "1] }}"
        let error = TemplateFixtures.failure(of: tooMany)
        #expect(error?.kind == .limitExceeded)
        #expect(error?.message.contains("1000") == true)
        let spread = String(repeating: "{{ 1 }}", count: 1001)
        #expect(TemplateFixtures.failure(of: spread)?.kind == .limitExceeded)
    }

    @Test func evaluationStopsAfterTheStepLimit() {
        let one = TemplateFixtures.failure(of: "{{ length(big) }}", in: bigContext())
        #expect(one == nil)
        let three = "{{ length(big) + length(big) + length(big) }}"
        let error = TemplateFixtures.failure(of: three, in: bigContext())
        #expect(error?.kind == .limitExceeded)
        #expect(error?.message.contains("steps") == true)
    }

    @Test func aLowerStepLimitCountsNodes() {
        let limits = TemplateLimits(maxSteps: 10)
        let context = TemplateFixtures.makeContext(limits: limits)
        let sum = "{{ " + Array(repeating: "input.count", count: 6).joined(separator: " + ") + " }}"
        #expect(TemplateFixtures.failure(of: sum, in: context)?.kind == .limitExceeded)
        #expect(TemplateFixtures.failure(of: "{{ input.count + input.count }}", in: context) == nil)
    }

    @Test func splittingHugeTextIntoCharactersRunsOutOfSteps() {
        let error = TemplateFixtures.failure(of: "{{ join(split(big, ''), ',') }}", in: bigContext())
        #expect(error?.kind == .limitExceeded)
    }

    @Test func producedStringsAreAtMost1MiB() {
        let concatenated = TemplateFixtures.failure(of: "{{ big + big }}", in: bigContext())
        #expect(concatenated?.kind == .limitExceeded)
        #expect(concatenated?.message.contains("bytes") == true)
        let rendered = TemplateFixtures.failure(of: "{{ big }}{{ big }}", in: bigContext())
        #expect(rendered?.kind == .limitExceeded)
        let joined = TemplateFixtures.failure(of: "{{ join([big, big], '') }}", in: bigContext())
        #expect(joined?.kind == .limitExceeded)
    }

    @Test func aHugeSearchIsLinear() throws {
        // A naive substring search would compare ~600,000 × 300,000 bytes here.
        let needle = String(repeating: "a", count: 300_000) + "b"
        let context = TemplateFixtures.makeContext(extra: ["big": .string(Self.big), "needle": .string(needle)])
        let clock = ContinuousClock()
        let started = clock.now
        let value = try TemplateFixtures.evaluate("{{ contains(big, needle) }}", in: context)
        #expect(value == JSONValue.bool(false))
        #expect(started.duration(to: clock.now) < .seconds(2))
    }
}
