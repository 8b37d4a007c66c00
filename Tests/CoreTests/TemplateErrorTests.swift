import Core
import Testing

/// (template, "line:column" of the error, a fragment of its message)
let templateErrorCases: [(String, String, String)] = [
    ("Subject - {{ lenght(input.name) }}", "1:14", "unknown function 'lenght' — did you mean 'length'?"),
    ("{{ uper('a') }}", "1:4", "did you mean 'upper'?"),
    ("{{ formatdate(1, 'yyyy') }}", "1:4", "did you mean 'format_date'?"),
    ("{{ foo(1) }}", "1:4", "unknown function 'foo'; the functions are"),
    ("{{ input.name", "1:1", "'{{' is not closed"),
    ("first\nsecond {{ input.name\n", "2:8", "'{{' is not closed"),
    ("line one\n  {{ 1 + }}", "2:10", "expected a value before '}}'"),
    ("{{ 1 +* 2 }}", "1:7", "expected a value, found '*'"),
    ("{{ }}", "1:1", "empty"),
    ("{{ 'abc }}", "1:4", "string is not closed"),
    ("{{ a = 1 }}", "1:6", "use '=='"),
    ("{{ 1 & 2 }}", "1:6", "use '&&'"),
    ("{{ 1 < 2 < 3 }}", "1:10", "cannot be chained"),
    ("{{ length(1, 2) }}", "1:4", "length() takes 1 argument, not 2"),
    ("{{ now(1) }}", "1:4", "now() takes no arguments, not 1"),
    ("{{ secret() }}", "1:4", "secret() takes 1 or 2 arguments, not 0"),
    ("{{ coalesce() }}", "1:4", "coalesce() takes at least 1 argument, not 0"),
    ("{{ secret(input.path) }}", "1:11", "secret() takes a literal path"),
    ("{{ input..x }}", "1:10", "expected a field name after '.'"),
    ("{{ input[1.5] }}", "1:10", "an index is an integer or a quoted key"),
    ("{{ 99999999999999999999 }}", "1:4", "too large"),
    (#"{{ '\u12' }}"#, "1:5", "four hex digits"),
    ("{{ input.name }} {{ ) }}", "1:21", "expected a value, found ')'"),
    ("{{ and }}", "1:4", "expected a value, found 'and'"),
    ("{{ input.name input.count }}", "1:15", "unexpected 'input' after the expression"),
    ("{{ [1, 2 }}", "1:10", "expected ',' or ']'"),
    ("{{ (1 + 2 }}", "1:11", "expected ')'"),
    ("{{ \u{E9} }}", "1:4", "unexpected character '\u{E9}'"),
    ("{{ 3abc }}", "1:5", "cannot run into a name"),
    ("{{ input.name }", "1:15", "unexpected '}'"),
    ("{{ regex_match('a', '(a') }}", "1:21", "missing ')'"),
    ("{{ inptu.name }}", "1:4", "unknown name 'inptu' — did you mean 'input'?"),
    ("{{ 1 / 0 }}", "1:6", "division by zero"),
    ("{{ 1 % 0 }}", "1:6", "division by zero"),
    ("{{ 9223372036854775807 + 1 }}", "1:24", "integer overflow"),
    ("{{ 'a' - 1 }}", "1:8", "cannot use '-' on string and integer"),
    ("{{ 'a' < 1 }}", "1:8", "cannot compare string < integer"),
    ("{{ -'a' }}", "1:4", "cannot negate a string"),
    ("a\nb\n{{ input.items[0] +\n  'x' }}", "3:19", "cannot add integer and string"),
    ("{{ secret('x') }}", "1:4", "secrets are resolved only when a step runs"),
    ("{{ format_date('yesterday', 'yyyy') }}", "1:4", "RFC 3339"),
    ("{{ format_date(99999999999999999, 'yyyy') }}", "1:4", "0000 to 9999"),
    ("{{ lower(1) }}", "1:4", "lower() takes a string, not an integer"),
    ("{{ join('a', ',') }}", "1:4", "join() takes an array, not a string"),
    ("{{ split('a', 1) }}", "1:4", "split() takes a string separator"),
    ("{{ contains(1, 'a') }}", "1:4", "contains() looks in a string, array or object"),
    ("{{ regex_match(input.name, input.name + '(') }}", "1:4", "invalid regex"),
]

let templateErrorKindCases: [(String, TemplateError.Kind)] = [
    ("{{ lenght(1) }}", .unknownFunction),
    ("{{ length() }}", .wrongArity),
    ("{{ 1 +* 2 }}", .syntax),
    ("{{ secret(input.x) }}", .syntax),
    ("{{ inptu.x }}", .unknownName),
    ("{{ 'a' < 1 }}", .typeMismatch),
    ("{{ upper([1]) }}", .typeMismatch),
    ("{{ 1 / 0 }}", .arithmetic),
    ("{{ 1.0 / 0 }}", .arithmetic),
    ("{{ 1e308 * 10 }}", .arithmetic),
    ("{{ -9223372036854775807 - 2 }}", .arithmetic),
    ("{{ 4611686018427387904 * 2 }}", .arithmetic),
    ("{{ -(-9223372036854775807 - 1) }}", .arithmetic),
    ("{{ regex_match('a', '*') }}", .invalidRegex),
    ("{{ format_date('x', 'yyyy') }}", .invalidDate),
    ("{{ format_date('2025-03-01T10:07:00.99999999999999999999Z', 'yyyy') }}", .invalidDate),
    ("{{ format_date(1.5, 'yyyy') }}", .invalidDate),
    ("{{ secret('x') }}", .secretUnavailable),
    (String(repeating: "x", count: 16_385), .limitExceeded),
]

@Suite struct TemplateErrorTests {
    @Test(arguments: templateErrorCases)
    func errorsSayWhatAndWhere(_ text: String, _ position: String, _ fragment: String) {
        let error = TemplateFixtures.failure(of: text)
        let found = error.map { "\($0.line):\($0.column)" }
        #expect(found == position)
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test(arguments: templateErrorKindCases)
    func errorsHaveAStableKind(_ text: String, _ kind: TemplateError.Kind) {
        #expect(TemplateFixtures.failure(of: text)?.kind == kind)
    }

    @Test func theDescriptionLeadsWithLineAndColumn() {
        let error = TemplateFixtures.failure(of: "Subject - {{ lenght(input.name) }}")
        #expect(error?.description == "1:14: unknown function 'lenght' — did you mean 'length'?")
        #expect(error?.offset == 13)
    }

    @Test func anUnknownNameListsTheRootsWhenNoneIsClose() {
        let error = TemplateFixtures.failure(of: "{{ zzz.a }}")
        #expect(error?.message == "unknown name 'zzz'; paths start with env, input, nodes")
    }

    @Test func offsetsCountUnicodeScalars() {
        let error = TemplateFixtures.failure(of: "h\u{E9}llo w\u{F6}rld {{ 1 + }}")
        #expect(error?.offset == 19)
        #expect(error?.column == 20)
    }
}
