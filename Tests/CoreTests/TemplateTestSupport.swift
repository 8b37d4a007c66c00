import Core

/// The context most template tests evaluate in, and helpers to run a template to a value or to
/// its error.
enum TemplateFixtures {
    /// 2025-03-01T10:07:00.000Z
    static let now = Instant(millisecondsSinceEpoch: 1_740_823_620_000)

    static let roots: [String: JSONValue] = [
        "input": .object([
            "count": .integer(5),
            "name": .string("x"),
            "ratio": .number(0.5),
            "flag": .bool(true),
            "nothing": .null,
            "empty": .string(""),
            "list": .array([]),
            "text": .string("  padded \n"),
            "email": .string("ada@example.com"),
            "key-with-dash": .string("dashed"),
            "items": .array([.integer(1), .integer(2), .integer(3)]),
            "ticket": .object([
                "id": .integer(42),
                "subject": .string("Printer on fire"),
                "tags": .array([.string("urgent"), .string("hardware")]),
            ]),
        ]),
        "nodes": .object([
            "fetch": .object(["output": .object(["body": fetchBody])]),
            "classify": .object(["output": .object(["label": .string("urgent")])]),
        ]),
        "env": .object(["region": .string("eu")]),
    ]

    /// `nodes.fetch.output.body`.
    static let fetchBody: JSONValue = .object(["ok": .bool(true), "rows": .array([.integer(10), .integer(20)])])

    static func makeContext(limits: TemplateLimits = .standard, extra: [String: JSONValue] = [:],
                            secretResolver: TemplateContext.SecretResolver? = nil) -> TemplateContext {
        var all = roots
        for (key, value) in extra { all[key] = value }
        return TemplateContext(roots: all, now: now, secretResolver: secretResolver, limits: limits)
    }

    /// Parses and evaluates `text`.
    static func evaluate(_ text: String, in context: TemplateContext = TemplateFixtures.makeContext()) throws -> JSONValue {
        try Template.parse(text).evaluate(in: context)
    }

    /// The error parsing or evaluating `text` raised, or nil when both succeeded.
    static func failure(of text: String, in context: TemplateContext = TemplateFixtures.makeContext(),
                        limits: TemplateLimits = .standard) -> TemplateError? {
        do {
            _ = try Template.parse(text, limits: limits).evaluate(in: context)
            return nil
        } catch {
            return templateError(error)
        }
    }

    /// The error as a `TemplateError`, whether `catch` bound it as `any Error` or as the typed error.
    static func templateError(_ error: any Error) -> TemplateError? {
        error as? TemplateError
    }

    /// A context whose only roots are `s` and `p`, for regex tables.
    static func regexContext(subject: String, pattern: String) -> TemplateContext {
        TemplateContext(roots: ["s": .string(subject), "p": .string(pattern)], now: now)
    }
}
