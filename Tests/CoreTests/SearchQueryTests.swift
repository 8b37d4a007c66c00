import Core
import Testing

/// The search grammar (issue 20): words, phrases, prefixes, OR, exclusions and filters, and the
/// FTS5 expression that can only ever be words.
@Suite struct SearchQueryTests {
    static let now = Instant(millisecondsSinceEpoch: 1_800_000_000_000)

    @Test func wordsPhrasesPrefixesAndExclusions() throws {
        let query = try SearchQuery.parse(#"invoice "payment failed" invo* refund OR chargeback -retry"#, now: Self.now)
        #expect(query.terms.map(\.text) == ["invoice", "payment failed", "invo", "refund", "chargeback", "retry"])
        #expect(query.terms.map(\.phrase) == [false, true, false, false, false, false])
        #expect(query.terms.map(\.prefix) == [false, false, true, false, false, false])
        #expect(query.terms.map(\.orWithPrevious) == [false, false, false, false, true, false])
        #expect(query.terms.map(\.negated) == [false, false, false, false, false, true])
        #expect(query.matchExpression == #"("invoice" AND "payment failed" AND "invo" * AND ("refund" OR "chargeback")) NOT ("retry")"#)
    }

    @Test func filtersComposeAndResolveTime() throws {
        let query = try SearchQuery.parse("timeout type:workflow,Agent tag:billing,eu status:FAILED since:7d team:payments workflow:support-triage",
                                          now: Self.now)
        #expect(query.terms.map(\.text) == ["timeout"])
        #expect(query.kinds == [.workflow, .agent])
        #expect(query.tags == ["billing", "eu"])
        #expect(query.status == "failed")
        #expect(query.since == Self.now.adding(milliseconds: -7 * Milliseconds.day))
        #expect(query.team == "payments" && query.workflow == "support-triage")
        // Filters only: nothing to match, everything the filters allow.
        #expect(try SearchQuery.parse("type:execution status:failed", now: Self.now).matchExpression == nil)
    }

    @Test func ftsSyntaxTypedAsTextStaysText() throws {
        let query = try SearchQuery.parse(#"NEAR(a b) ^start AND NOT a*b {x} -(y)"#, now: Self.now)
        #expect(query.terms.map(\.text) == ["NEAR(a", "b)", "^start", "AND", "NOT", "a*b", "{x}", "(y)"])
        #expect(query.matchExpression == #"("NEAR(a" AND "b)" AND "^start" AND "AND" AND "NOT" AND "a*b" AND "{x}") NOT ("(y)")"#)
    }

    @Test(arguments: [
        ("OR timeout", "OR stands between two words"),
        ("timeout OR", "OR stands between two words"),
        ("a OR OR b", "OR stands between two words"),
        ("a OR -b", "OR cannot join an excluded word"),
        ("-a OR b", "OR cannot join an excluded word"),
        ("-only -excluded", "at least one word"),
        ("color:red", "not a filter"),
        ("type:report", "type is one of"),
        ("status:weird", "status is one of"),
        ("since:last-week", "since is a duration"),
        ("tag:", "needs a value"),
        (#""unclosed phrase"#, "no closing quote"),
        ("a OR type:workflow", "not before a filter"),
    ])
    func refusals(_ text: String, _ expected: String) {
        #expect {
            _ = try SearchQuery.parse(text, now: Self.now)
        } throws: { error in
            (error as? SearchQuery.Problem)?.message.contains(expected) == true
        }
    }

    @Test func limits() {
        #expect(throws: SearchQuery.Problem.self) { try SearchQuery.parse(String(repeating: "a ", count: 501), now: Self.now) }
        #expect(throws: SearchQuery.Problem.self) { try SearchQuery.parse((0...SearchQuery.maximumTerms).map { "w\($0)" }.joined(separator: " "), now: Self.now) }
        #expect(throws: SearchQuery.Problem.self) { try SearchQuery.parse(String(repeating: "x", count: 101), now: Self.now) }
        #expect(throws: Never.self) { try SearchQuery.parse((1...SearchQuery.maximumTerms).map { "w\($0)" }.joined(separator: " "), now: Self.now) }
    }

    @Test func quotesInsideWordsAreDoubled() throws {
        // `""` opens and closes an empty phrase (skipped); `hi""` is then a word with two quotes.
        let query = try SearchQuery.parse(#"say ""hi"" it's"#, now: Self.now)
        #expect(query.terms.map(\.text) == ["say", #"hi"""#, "it's"])
        #expect(query.matchExpression == #""say" AND "hi""""" AND "it's""#)
        let phrase = try SearchQuery.parse(#""a ""quoted"" word""#, now: Self.now)
        #expect(phrase.terms.map(\.text) == [#"a "quoted" word"#])
        #expect(phrase.matchExpression == #""a ""quoted"" word""#)
    }
}

@Suite struct SnippetPartsTests {
    @Test func matchesAreCutOutAndStrayMarksStayText() {
        #expect(SnippetParts.split("…the «invoice» was «late»") == [
            .init(text: "…the ", matched: false), .init(text: "invoice", matched: true), .init(text: " was ", matched: false),
            .init(text: "late", matched: true),
        ])
        #expect(SnippetParts.split("a » b") == [.init(text: "a » b", matched: false)])
        #expect(SnippetParts.split("«open") == [.init(text: "open", matched: true)])
        #expect(SnippetParts.split("<b>«x»</b>") == [.init(text: "<b>", matched: false), .init(text: "x", matched: true), .init(text: "</b>", matched: false)])
        #expect(SnippetParts.split("").isEmpty)
    }
}

@Suite struct CommentMentionsTests {
    @Test func mentionsAreLoginsAfterASpaceNotAddresses() {
        #expect(CommentMentions.logins(in: "@alice the timeout, cc @Bob.") == ["alice", "bob"])
        #expect(CommentMentions.logins(in: "write to bob@corp.local or (@carol-ops)") == ["carol-ops"])
        #expect(CommentMentions.logins(in: "@dan@corp.local and @dan@corp.local again") == ["dan@corp.local"])
        #expect(CommentMentions.logins(in: "@ alone, @x (too short), @-dash") == [])
        #expect(CommentMentions.logins(in: "“@eve” said") == ["eve"])
    }

    @Test func aCommentsTextIsCheckedAndItsTargetRead() {
        #expect(CommentRules.problem(body: "fine") == nil)
        #expect(CommentRules.problem(body: " \n ") == "is empty")
        #expect(CommentRules.problem(body: String(repeating: "x", count: CommentRules.maximumBody + 1)) != nil)
        #expect(CommentRules.problem(body: "bell\u{7}") == "holds control characters")
        #expect(CommentTarget.parse("workflow/support-triage")! == (.workflow, "support-triage"))
        #expect(CommentTarget.parse("execution/ex_1")! == (.execution, "ex_1"))
        #expect(CommentTarget.parse("agent/x") == nil && CommentTarget.parse("workflow/") == nil && CommentTarget.parse("workflow") == nil)
    }
}

@Suite struct SearchSnippetTests {
    static let now = Instant(millisecondsSinceEpoch: 1_800_000_000_000)

    @Test func theFirstTextWithAWordIsCutAroundItsFirstMatch() throws {
        let query = try SearchQuery.parse("invoice time* -retry", now: Self.now)
        #expect(SearchSnippet.make(["nothing here", "the Invoice timed out; invoice again"], terms: query.terms)
                == "the «Invoice» «timed» out; «invoice» again")
        let long = String(repeating: "lorem ipsum ", count: 30) + "invoice" + String(repeating: " dolor", count: 40)
        let cut = try #require(SearchSnippet.make([long], terms: query.terms))
        #expect(cut.hasPrefix("…") && cut.hasSuffix("…") && cut.contains("«invoice»") && cut.count <= SearchSnippet.width + 10, "\(cut)")
        #expect(!cut.dropFirst().hasPrefix("psum"), "starts on a word: \(cut)")
        // Words, not substrings: "invoiced" is not "invoice"; an excluded word is not marked.
        #expect(SearchSnippet.make(["invoiced twice", "retry later"], terms: query.terms) == nil)
        #expect(SearchSnippet.make(["line one\ninvoice"], terms: query.terms) == "line one «invoice»")
        #expect(SearchSnippet.make([#"{"note": "payment failed"}"#], terms: try SearchQuery.parse("\"payment failed\"", now: Self.now).terms)
                == #"{"note": "«payment» «failed»"}"#)
    }
}
