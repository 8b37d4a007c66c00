import Core
import Testing

let templateFunctionCases: [(String, JSONValue)] = [
    ("{{ length('héllo') }}", 5),
    ("{{ length('') }}", 0),
    ("{{ length(input.ticket.tags) }}", 2),
    ("{{ length(input.ticket) }}", 3),
    ("{{ length(input.missing) }}", 0),
    ("{{ lower('AbC É') }}", "abc é"),
    ("{{ upper('abc') }}", "ABC"),
    ("{{ trim(input.text) }}", "padded"),
    ("{{ trim('   ') }}", ""),
    ("{{ trim(null) }}", .null),
    ("{{ lower(input.missing) }}", .null),
    ("{{ join(input.ticket.tags, ', ') }}", "urgent, hardware"),
    ("{{ join([1, null, 'a', [2], true], '-') }}", "1--a-[2]-true"),
    ("{{ join([], ',') }}", ""),
    ("{{ join(input.missing, ',') }}", ""),
    ("{{ split('a,b,,c', ',') }}", .array(["a", "b", "", "c"])),
    ("{{ split('a::b::', '::') }}", .array(["a", "b", ""])),
    ("{{ split('aaaa', 'aa') }}", .array(["", "", ""])),
    ("{{ split('abc', '') }}", .array(["a", "b", "c"])),
    ("{{ split('', ',') }}", .array([""])),
    ("{{ split(input.missing, ',') }}", .array([])),
    ("{{ json(nodes.fetch.output.body) }}", #"{"ok":true,"rows":[10,20]}"#),
    ("{{ json('x') }}", #""x""#),
    ("{{ json(null) }}", "null"),
    ("{{ default(input.missing, 'fallback') }}", "fallback"),
    ("{{ default(input.count, 0) }}", 5),
    ("{{ default(input.empty, 'x') }}", ""),
    ("{{ default(input.count, 1 / 0) }}", 5),
    ("{{ coalesce(input.missing, null, 'third', 'fourth') }}", "third"),
    ("{{ coalesce(null) }}", .null),
    ("{{ coalesce(input.count, 1 / 0) }}", 5),
    ("{{ now() }}", "2025-03-01T10:07:00.000Z"),
    ("{{ format_date(now(), 'yyyy-MM-dd HH:mm:ss.SSS') }}", "2025-03-01 10:07:00.000"),
    ("{{ format_date(0, 'yyyy/MM/dd') }}", "1970/01/01"),
    ("{{ format_date(-1, 'yyyy-MM-ddTHH:mm:ss.SSS') }}", "1969-12-31T23:59:59.999"),
    ("{{ format_date('2024-02-29T23:59:59.5Z', 'dd.MM.yyyy HH:mm:ss SSS') }}", "29.02.2024 23:59:59 500"),
    ("{{ format_date(1740823620123, 'HH:mm:ss.SSS') }}", "10:07:00.123"),
    ("{{ format_date(1740823620123.0, 'yyyy') }}", "2025"),
    ("{{ format_date(-62167219200000, 'yyyy-MM-dd') }}", "0000-01-01"),
    ("{{ format_date(253402300799999, 'yyyy-MM-dd HH:mm:ss.SSS') }}", "9999-12-31 23:59:59.999"),
    ("{{ contains('hello world', 'o w') }}", true),
    ("{{ contains('abc', 'abd') }}", false),
    ("{{ contains('abc', '') }}", true),
    ("{{ contains('aaab', 'aab') }}", true),
    ("{{ contains(input.ticket.tags, 'urgent') }}", true),
    ("{{ contains([1, 2], 2.0) }}", true),
    ("{{ contains([[1], [2]], [2]) }}", true),
    ("{{ contains(input.ticket, 'subject') }}", true),
    ("{{ contains(input.ticket, 'body') }}", false),
    ("{{ contains(input.missing, 'x') }}", false),
    ("{{ starts_with(input.email, 'ada@') }}", true),
    ("{{ starts_with(input.email, 'bob') }}", false),
    ("{{ ends_with(input.email, '.com') }}", true),
    ("{{ ends_with('a', 'abc') }}", false),
    ("{{ ends_with(input.missing, 'x') }}", false),
    (#"{{ regex_match(input.email, '^[a-z]+@[a-z]+\.com$') }}"#, true),
    (#"{{ regex_match('abc123', '\d+') }}"#, true),
    ("{{ regex_match('abc', '^b') }}", false),
    ("{{ regex_match(input.missing, 'a') }}", false),
    ("{{ regex_match(input.name, input.name) }}", true),
    ("{{ length(split(input.email, '@')) }}", 2),
    ("{{ upper(join(split('a-b', '-'), '+')) }}", "A+B"),
]

@Suite struct TemplateFunctionTests {
    @Test(arguments: templateFunctionCases)
    func functionsComputeTheirValues(_ text: String, _ expected: JSONValue) throws {
        #expect(try TemplateFixtures.evaluate(text) == expected)
    }

    @Test func secretsComeFromTheResolverWhenAStepRuns() throws {
        let context = TemplateFixtures.makeContext(secretResolver: { path, field in
            .string(path + "#" + (field ?? "-"))
        })
        let plain = try TemplateFixtures.evaluate("{{ secret('payments/key') }}", in: context)
        let withField = try TemplateFixtures.evaluate("{{ secret('db/main', 'password') }}", in: context)
        let nullField = try TemplateFixtures.evaluate("{{ secret('db/main', input.missing) }}", in: context)
        #expect(plain == JSONValue.string("payments/key#-"))
        #expect(withField == JSONValue.string("db/main#password"))
        #expect(nullField == JSONValue.string("db/main#-"))
    }

    @Test func secretsWithoutAResolverFailClearly() {
        let error = TemplateFixtures.failure(of: "{{ secret('payments/key') }}")
        #expect(error?.kind == .secretUnavailable)
        #expect(error?.message == "secrets are resolved only when a step runs")
    }

    @Test func aFailingResolverBecomesATemplateError() {
        struct Sealed: Error {}
        let context = TemplateFixtures.makeContext(secretResolver: { _, _ in throw Sealed() })
        let error = TemplateFixtures.failure(of: "{{ secret('payments/key') }}", in: context)
        #expect(error?.kind == .secretUnavailable)
        #expect(error?.message.contains("payments/key") == true)
    }

    @Test func aFallbackIsNotEvaluatedWhenNotNeeded() throws {
        // Without a resolver, evaluating secret() fails; default() must not reach it.
        let value = try TemplateFixtures.evaluate("{{ default(input.name, secret('never/read')) }}")
        #expect(value == JSONValue.string("x"))
    }
}
