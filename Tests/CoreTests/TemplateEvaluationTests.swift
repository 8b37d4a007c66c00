import Core
import Testing

let templatePathCases: [(String, JSONValue)] = [
    ("{{ input.count }}", 5),
    ("{{input.count}}", 5),
    ("{{ input.ticket.subject }}", "Printer on fire"),
    ("{{ input.ticket.tags[0] }}", "urgent"),
    ("{{ input.ticket.tags[-1] }}", "hardware"),
    ("{{ input.ticket.tags[-2] }}", "urgent"),
    ("{{ input.ticket.tags[2] }}", .null),
    ("{{ input.ticket.tags[-3] }}", .null),
    ("{{ input[\"key-with-dash\"] }}", "dashed"),
    ("{{ input.ticket['subject'] }}", "Printer on fire"),
    ("{{ input.missing }}", .null),
    ("{{ input.missing.deeper[3].still }}", .null),
    ("{{ input.count.field }}", .null),
    ("{{ input.name[0] }}", .null),
    ("{{ input.ticket[0] }}", .null),
    ("{{ nodes.fetch.output.body }}", TemplateFixtures.fetchBody),
    ("{{ nodes.fetch.output.body.rows }}", .array([10, 20])),
    ("{{ nodes.classify.output.label }}", "urgent"),
    ("{{ env.region }}", "eu"),
    ("{{ split(input.email, '@')[1] }}", "example.com"),
    ("{{ [1, 2, 3][-1] }}", 3),
    ("{{ (input.ticket).id }}", 42),
    ("{{ [input.count, input.name][1] }}", "x"),
]

let templateRenderCases: [(String, JSONValue)] = [
    ("", ""),
    ("no braces here", "no braces here"),
    ("a { b } c }}", "a { b } c }}"),
    ("Hello {{ input.name }}!", "Hello x!"),
    ("{{ input.count }} items", "5 items"),
    (" {{ input.count }}", " 5"),
    ("{{ input.nothing }}|{{ input.flag }}|{{ input.ratio }}", "|true|0.5"),
    ("rows={{ nodes.fetch.output.body.rows }}", "rows=[10,20]"),
    ("body: {{ nodes.fetch.output.body }}", #"body: {"ok":true,"rows":[10,20]}"#),
    ("{{ input.count }}{{ input.count }}", "55"),
    ("{{ '{{' }} stays", "{{ stays"),
    ("line\n{{ input.name }}\nend", "line\nx\nend"),
]

let templateLiteralCases: [(String, JSONValue)] = [
    ("{{ 42 }}", 42),
    ("{{ -3 }}", -3),
    ("{{ 1.5 }}", 1.5),
    ("{{ 2e3 }}", 2000.0),
    ("{{ true }}", true),
    ("{{ false }}", false),
    ("{{ null }}", .null),
    ("{{ 'single' }}", "single"),
    ("{{ \"double\" }}", "double"),
    (#"{{ 'it\'s' }}"#, "it's"),
    (#"{{ "say \"hi\"" }}"#, #"say "hi""#),
    (#"{{ 'a\tb\nc\\d' }}"#, "a\tb\nc\\d"),
    (#"{{ '\u00e9t\u00E9' }}"#, "été"),
    (#"{{ '^\d+$' }}"#, #"^\d+$"#),
    ("{{ 'has }} inside' }}", "has }} inside"),
    ("{{ [1, 'a', null, [true]] }}", .array([1, "a", .null, .array([true])])),
    ("{{ [] }}", .array([])),
    ("{{ [input.count, 1] }}", .array([5, 1])),
]

let templateOperatorCases: [(String, JSONValue)] = [
    ("{{ 1 + 2 * 3 }}", 7),
    ("{{ (1 + 2) * 3 }}", 9),
    ("{{ 10 - 2 - 3 }}", 5),
    ("{{ 2 * -3 }}", -6),
    ("{{ -input.count }}", -5),
    ("{{ 7 / 2 }}", 3.5),
    ("{{ 8 / 2 }}", 4),
    ("{{ 7 % 3 }}", 1),
    ("{{ -7 % 3 }}", -1),
    ("{{ 7.5 % 2 }}", 1.5),
    ("{{ 1 + 0.5 }}", 1.5),
    ("{{ input.ratio * 4 }}", 2.0),
    ("{{ 'a' + 'b' }}", "ab"),
    ("{{ 'n=' + json(input.count) }}", "n=5"),
    ("{{ 1 == 1.0 }}", true),
    ("{{ 1 == '1' }}", false),
    ("{{ null == null }}", true),
    ("{{ input.missing == null }}", true),
    ("{{ [1, 'a'] == [1.0, 'a'] }}", true),
    ("{{ [1, 2] == [2, 1] }}", false),
    ("{{ nodes.fetch.output.body == nodes.fetch.output.body }}", true),
    ("{{ nodes.fetch.output.body != input.ticket }}", true),
    ("{{ 9007199254740993 == 9007199254740992.0 }}", false),
    ("{{ 3 != 3 }}", false),
    ("{{ 'b' > 'a' }}", true),
    ("{{ 'B' < 'a' }}", true),
    ("{{ 'abc' < 'abd' }}", true),
    ("{{ 'ab' < 'abc' }}", true),
    ("{{ '\u{E9}' > 'z' }}", true),
    ("{{ 2 < 2.5 }}", true),
    ("{{ 2.5 <= 2 }}", false),
    ("{{ 3 >= 3 }}", true),
    ("{{ 9007199254740993 > 9007199254740992.0 }}", true),
    ("{{ input.count > 3 && input.name == 'x' }}", true),
    ("{{ input.count > 3 and input.name == 'y' }}", false),
    ("{{ false || 1 }}", true),
    ("{{ false or null }}", false),
    ("{{ !input.flag }}", false),
    ("{{ not input.nothing }}", true),
    ("{{ true || 1 / 0 }}", true),
    ("{{ false && 1 / 0 }}", false),
    ("{{ 1 + 2 == 3 && 2 * 2 == 4 || false }}", true),
    ("{{ false && false || true }}", true),
    ("{{ false && (false || true) }}", false),
    ("{{ !1 == 2 }}", true),
    ("{{ 1 == 2 || !false }}", true),
    ("{{ not input.count > 3 }}", false),
    ("{{ 2 == !0 }}", false),
]

let templateTruthinessCases: [(String, Bool)] = [
    ("{{ null }}", false),
    ("{{ false }}", false),
    ("{{ 0 }}", false),
    ("{{ 0.0 }}", false),
    ("{{ '' }}", false),
    ("{{ [] }}", false),
    ("{{ input.list }}", false),
    ("{{ input.missing }}", false),
    ("{{ 1 }}", true),
    ("{{ 'no' }}", true),
    ("{{ [0] }}", true),
    ("{{ input.ticket }}", true),
    ("{{ nodes.classify.output.label == 'urgent' }}", true),
    ("label: {{ input.missing }}", true),
    ("", false),
]

@Suite struct TemplateEvaluationTests {
    @Test(arguments: templatePathCases)
    func pathsReadTheContextAndMissingIsNull(_ text: String, _ expected: JSONValue) throws {
        #expect(try TemplateFixtures.evaluate(text) == expected)
    }

    @Test(arguments: templateRenderCases)
    func textAndInterpolationsRenderToAString(_ text: String, _ expected: JSONValue) throws {
        #expect(try TemplateFixtures.evaluate(text) == expected)
    }

    @Test(arguments: templateLiteralCases)
    func literalsEvaluateToThemselves(_ text: String, _ expected: JSONValue) throws {
        #expect(try TemplateFixtures.evaluate(text) == expected)
    }

    @Test(arguments: templateOperatorCases)
    func operatorsFollowPrecedence(_ text: String, _ expected: JSONValue) throws {
        #expect(try TemplateFixtures.evaluate(text) == expected)
    }

    @Test(arguments: templateTruthinessCases)
    func conditionsUseTruthiness(_ text: String, _ expected: Bool) throws {
        let template = try Template.parse(text)
        #expect(try template.evaluateCondition(in: TemplateFixtures.makeContext()) == expected)
    }

    @Test func aWholeInterpolationKeepsItsTypeButTextAroundItMakesAString() throws {
        let items = JSONValue.array([1, 2, 3])
        #expect(try TemplateFixtures.evaluate("{{ nodes.fetch.output.body }}") == TemplateFixtures.fetchBody)
        #expect(try TemplateFixtures.evaluate("{{  input.items  }}") == items)
        #expect(try TemplateFixtures.evaluate(" {{ input.items }}") == JSONValue.string(" [1,2,3]"))
        #expect(try TemplateFixtures.evaluate("{{ input.items }} ") == JSONValue.string("[1,2,3] "))
    }

    @Test func aTemplateEvaluatesTheSameManyTimes() throws {
        let template = try Template.parse("{{ input.count > 3 && input.name == 'x' }}")
        let context = TemplateFixtures.makeContext()
        let yes = JSONValue.bool(true)
        let no = JSONValue.bool(false)
        for _ in 0..<1000 {
            #expect(try template.evaluate(in: context) == yes)
        }
        let other = TemplateFixtures.makeContext(extra: ["input": .object(["count": 1, "name": "x"])])
        #expect(try template.evaluate(in: other) == no)
    }

    @Test func bareExpressionsUseTheSameLanguage() throws {
        let expression = try TemplateExpression.parse("nodes.classify.output.label == 'urgent' && input.count > 3")
        #expect(try expression.evaluateCondition(in: TemplateFixtures.makeContext()))
        let items = try TemplateExpression.parse("input.items").evaluate(in: TemplateFixtures.makeContext())
        #expect(items == JSONValue.array([1, 2, 3]))
        #expect(expression.references.map(\.root) == ["nodes", "input"])
    }

    @Test func bareExpressionErrorsCountFromTheExpression() {
        let error = #expect(throws: TemplateError.self) {
            try TemplateExpression.parse("input.count }}")
        }
        #expect(error?.kind == .syntax)
        #expect(error?.column == 13)
        let empty = #expect(throws: TemplateError.self) { try TemplateExpression.parse("   ") }
        #expect(empty?.message.contains("empty") == true)
    }

    @Test func templatesCompareBySource() throws {
        let first = try Template.parse("{{ input.count }}")
        let same = try Template.parse("{{ input.count }}")
        let spaced = try Template.parse("{{input.count}}")
        #expect(first == same)
        #expect(first != spaced)
        #expect(first.description == "{{ input.count }}")
    }
}
