import Core
import Testing

/// (pattern, subject, matches?) — `regex_match` searches; `^` and `$` anchor.
let templateRegexCases: [(String, String, Bool)] = [
    ("abc", "xxabcxx", true),
    ("^abc$", "abc", true),
    ("^abc$", "abcd", false),
    ("b$", "ab", true),
    ("^b", "ab", false),
    ("a.c", "abc", true),
    ("a.c", "a\nc", false),
    ("[a-z0-9_]+", "__", true),
    ("^[^0-9]+$", "abc", true),
    ("^[^0-9]+$", "ab1", false),
    (#"^\d{3}-\d{4}$"#, "555-1234", true),
    (#"^\d{3}-\d{4}$"#, "555-123", false),
    (#"^\w+$"#, "hello_1", true),
    (#"^\w+$"#, "hi there", false),
    (#"\s"#, "a b", true),
    (#"^\S+$"#, "a b", false),
    (#"^\D+$"#, "abc", true),
    (#"^a\.b$"#, "a.b", true),
    (#"^a\.b$"#, "axb", false),
    (#"^[\d.]+$"#, "1.5", true),
    ("^[a-]+$", "-a", true),
    ("^(ab)+$", "ababab", true),
    ("^(ab)+$", "ababa", false),
    ("^(cat|dog)s?$", "dogs", true),
    ("^(cat|dog)s?$", "cow", false),
    ("a|b|c", "xxc", true),
    ("^a{2}$", "aa", true),
    ("^a{2}$", "aaa", false),
    ("^a{2,}$", "aaaa", true),
    ("^a{2,3}$", "a", false),
    ("^a{2,3}$", "aaa", true),
    ("^a{2,3}$", "aaaa", false),
    ("colou?r", "color", true),
    ("^x*$", "", true),
    ("^$", "", true),
    ("^$", "a", false),
    ("", "anything", true),
    ("^(a|)+$", "aaa", true),
    ("^(a*)*$", "aaaa", true),
    ("^\u{E9}+$", "\u{E9}\u{E9}", true),
    ("^[A-Z][a-z]+ [A-Z]", "Ada Lovelace", true),
    (#"^\(\d+\)$"#, "(42)", true),
]

/// (pattern, a fragment of why it is refused)
let templateInvalidRegexCases: [(String, String)] = [
    ("(a", "missing ')'"),
    ("a)", "unmatched ')'"),
    ("*a", "nothing to repeat"),
    ("{", "nothing to repeat"),
    ("a**", "cannot follow another quantifier"),
    ("a*?", "cannot follow another quantifier"),
    ("[a-", "missing ']'"),
    ("[z-a]", "out of order"),
    ("[]", "empty character class"),
    (#"[\D]"#, "cannot be used inside"),
    ("a{101}", "at most 100"),
    ("a{3,2}", "must not be larger"),
    ("a{x}", "expected a number"),
    ("a{2", "not closed"),
    (#"a\q"#, "unsupported escape"),
    ("a\\", "ends with"),
    ("(?:a)", "not supported"),
    (String(repeating: "a", count: 257), "longer than 256"),
    ("((a{100}){100}){100}", "expands to more than"),
]

@Suite struct TemplateRegexTests {
    @Test(arguments: templateRegexCases)
    func patternsMatchLikeASearch(_ pattern: String, _ subject: String, _ expected: Bool) throws {
        let template = try Template.parse("{{ regex_match(s, p) }}")
        let value = try template.evaluate(in: TemplateFixtures.regexContext(subject: subject, pattern: pattern))
        #expect(value == JSONValue.bool(expected))
    }

    @Test(arguments: templateInvalidRegexCases)
    func invalidPatternsAreRefusedSayingWhy(_ pattern: String, _ fragment: String) {
        let context = TemplateFixtures.regexContext(subject: "a", pattern: pattern)
        let error = TemplateFixtures.failure(of: "{{ regex_match(s, p) }}", in: context)
        #expect(error?.kind == .invalidRegex)
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test func aLiteralPatternIsCheckedWhenParsing() {
        let error = #expect(throws: TemplateError.self) {
            try Template.parse("{{ regex_match(input.name, 'a{101}') }}")
        }
        #expect(error?.kind == .invalidRegex)
        #expect(error?.column == 28)
    }

    /// Backtracking engines take exponential time on these; the NFA simulation is linear.
    @Test(arguments: ["(a+)+$", "^(a|a)*$", "(a*)*b", "^(a|aa)+$", "(x+x+)+y"])
    func pathologicalPatternsFinishQuickly(_ pattern: String) throws {
        let subject = String(repeating: pattern == "(x+x+)+y" ? "x" : "a", count: 5000) + "!"
        let template = try Template.parse("{{ regex_match(s, p) }}")
        let context = TemplateFixtures.regexContext(subject: subject, pattern: pattern)
        let clock = ContinuousClock()
        let started = clock.now
        let value = try template.evaluate(in: context)
        let elapsed = started.duration(to: clock.now)
        #expect(value == JSONValue.bool(false))
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test func matchingNearTheInputLimitStaysWithinTheStepBudget() throws {
        let subject = String(repeating: "a", count: 60_000) + "b"
        let value = try Template.parse("{{ regex_match(s, p) }}")
            .evaluate(in: TemplateFixtures.regexContext(subject: subject, pattern: "(a+)+$"))
        #expect(value == JSONValue.bool(false))
    }

    @Test func inputOverTheRegexLimitIsRefused() {
        let context = TemplateFixtures.regexContext(subject: String(repeating: "a", count: 70_000), pattern: "a")
        let error = TemplateFixtures.failure(of: "{{ regex_match(s, p) }}", in: context)
        #expect(error?.kind == .limitExceeded)
    }
}
