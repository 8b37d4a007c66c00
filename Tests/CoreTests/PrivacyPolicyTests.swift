import Core
import Testing

/// How an org's privacy policy and a workflow's `privacy:` block combine, which custom patterns
/// are refused, and what a scanner built from the rules masks.
@Suite struct PrivacyPolicyTests {
    // MARK: - Combination: per kind, the stricter wins

    @Test(arguments: [
        // org action, workflow action, the effective action for email
        (PIIAction.off, PIIAction?.none, PIIAction.off),
        (.mask, nil, .mask),
        (.off, .mask, .mask),
        (.mask, .maskInPrompts, .mask),           // a workflow cannot relax the org
        (.maskInPrompts, .mask, .mask),           // but can tighten it
        (.block, .off, .block),
        (.mask, .block, .block),
        (.maskInPrompts, .maskInPrompts, .maskInPrompts),
    ])
    func theStricterActionWins(_ org: PIIAction, _ workflow: PIIAction?, _ want: PIIAction) {
        let rules = PrivacyRules.resolve(org: PrivacyPolicy(action: org), workflow: workflow.map { WorkflowPrivacy(action: $0) })
        #expect((rules?.action(for: .email) ?? .off) == want)
    }

    @Test func strictnessIsOrdered() {
        #expect(PIIAction.off < .maskInPrompts && PIIAction.maskInPrompts < .mask && PIIAction.mask < .block)
        #expect(PIIAction.allCases.sorted() == [.off, .maskInPrompts, .mask, .block])
    }

    @Test func kindsCombinePerKind() throws {
        // The org masks emails; the workflow blocks cards: each kind gets its own action.
        let org = PrivacyPolicy(action: .mask, kinds: PIIKindSelection(kinds: [.email], custom: false))
        let workflow = WorkflowPrivacy(action: .block, kinds: PIIKindSelection(kinds: [.paymentCard, .email], custom: false))
        let rules = try #require(PrivacyRules.resolve(org: org, workflow: workflow))
        #expect(rules.action(for: .email) == .block)
        #expect(rules.action(for: .paymentCard) == .block)
        #expect(rules.action(for: .phone) == .off)
        #expect(rules.scanner(atLeast: .mask)?.kinds == [.email, .paymentCard])
        #expect(rules.scanner(atLeast: .block)?.kinds == [.email, .paymentCard])

        let onlyMask = try #require(PrivacyRules.resolve(org: org, workflow: nil))
        #expect(onlyMask.scanner(atLeast: .block) == nil)
        #expect(onlyMask.scanner(atLeast: .maskInPrompts)?.kinds == [.email])
    }

    @Test func nothingToDoResolvesToNil() {
        #expect(PrivacyRules.resolve(org: nil, workflow: nil) == nil)
        #expect(PrivacyRules.resolve(org: .off, workflow: WorkflowPrivacy(action: .off)) == nil)
        // Custom rules without patterns do nothing.
        #expect(PrivacyRules.resolve(org: PrivacyPolicy(action: .mask, kinds: PIIKindSelection(kinds: [], custom: true)), workflow: nil) == nil)
    }

    @Test func customPatternsFollowTheCustomKind() throws {
        let pattern = try CustomPIIPattern.validate(name: "employee_id", regex: "EMP-[0-9]{6}").get()
        let org = PrivacyPolicy(action: .maskInPrompts, kinds: PIIKindSelection(kinds: [], custom: true), patterns: [pattern])
        let rules = try #require(PrivacyRules.resolve(org: org, workflow: WorkflowPrivacy(action: .mask)))
        let masked = try #require(rules.scanner(atLeast: .mask)).mask("ask jo@example.org about EMP-004211 and EMP-1")
        #expect(masked.text == "ask [email] about [employee_id] and EMP-1")
        #expect(masked.counts == ["email": 1, "employee_id": 1])
    }

    @Test func theOrgPolicyRoundTripsThroughJSON() throws {
        let pattern = CustomPIIPattern(name: "ticket", regex: "T-[0-9]+")
        let policy = PrivacyPolicy(action: .block, kinds: PIIKindSelection(kinds: [.iban, .phone], custom: true), patterns: [pattern])
        #expect(PrivacyPolicy(json: policy.json) == policy)
        #expect(PrivacyPolicy(json: ["pii": "shred"]) == nil)
    }

    // MARK: - Custom patterns

    @Test(arguments: [
        ("employee_id", "EMP-[0-9]{6}"),
        ("case_ref", #"\bCASE/\d{4}/\d{5}\b"#),
        ("badge", "(?:B|BX)-[A-Z]{2}[0-9]{3}"),
        ("zip_de", "[0-9]{5}(?: [A-Z][a-z]+)?"),
    ])
    func reasonablePatternsAreTaken(_ name: String, _ regex: String) {
        #expect(throws: Never.self) { try CustomPIIPattern.validate(name: name, regex: regex).get() }
    }

    @Test(arguments: [
        ("x", "(a+)+$", PrivacyProblem.Code.patternCatastrophic),
        ("x", "(\\w*x)*", .patternCatastrophic),
        ("x", "(a|b+){2,}", .patternCatastrophic),
        ("x", "((ab)*c)+", .patternCatastrophic),
        ("x", "(.*)*", .patternCatastrophic),
        ("x", "(a)\\1", .patternCatastrophic),
        ("x", "", .patternInvalid),
        ("x", "a*", .patternInvalid),                    // matches the empty text
        ("x", "(unclosed", .patternInvalid),
        ("x", String(repeating: "a", count: 201), .patternInvalid),
        ("", "abc", .patternName),
        ("Bad-Name", "abc", .patternName),
        ("email", "abc", .patternName),                  // a built-in kind's name
        ("custom", "abc", .patternName),
    ])
    func badPatternsAreRefusedWithTheirCode(_ name: String, _ regex: String, _ code: PrivacyProblem.Code) {
        guard case .failure(let problem) = CustomPIIPattern.validate(name: name, regex: regex) else {
            Issue.record("\(regex) was taken")
            return
        }
        #expect(problem.code == code)
    }

    @Test func theNumberOfPatternsAndTheirNamesAreCapped() {
        let many = (0...CustomPIIPattern.maximumCount).map { CustomPIIPattern(name: "p\($0)", regex: "x\($0)") }
        #expect(PrivacyPolicy.patternsProblem(many)?.code == .tooManyPatterns)
        #expect(PrivacyPolicy.patternsProblem(Array(many.prefix(2))) == nil)
        let twice = [CustomPIIPattern(name: "a", regex: "x"), CustomPIIPattern(name: "a", regex: "y")]
        #expect(PrivacyPolicy.patternsProblem(twice)?.code == .patternName)
    }

    @Test func kindNamesAreChecked() throws {
        #expect(try PIIKindSelection.parse(["email", "custom"]).get() == PIIKindSelection(kinds: [.email], custom: true))
        guard case .failure(let problem) = PIIKindSelection.parse(["emails"]) else {
            Issue.record("emails was taken")
            return
        }
        #expect(problem.code == .unknownKind && problem.message.contains("payment_card"))
        guard case .failure = PIIKindSelection.parse([]) else {
            Issue.record("an empty list was taken")
            return
        }
    }

    // MARK: - The workflow's privacy block

    @Test func aWorkflowsPrivacyBlockIsReadAndWrittenBack() throws {
        let value = DefinitionRulesTests.workflow(["a": DefinitionRulesTests.node()],
                                                  extra: ["privacy": ["pii": "mask", "kinds": ["email", "payment_card"]]])
        let workflow = try WorkflowDefinition.parse(value)
        #expect(workflow.privacy == WorkflowPrivacy(action: .mask, kinds: PIIKindSelection(kinds: [.email, .paymentCard], custom: false)))
        #expect(try WorkflowDefinition.parse(workflow.json) == workflow)
        // Without kinds: all of them, and the stored form says only the action.
        let all = try WorkflowDefinition.parse(DefinitionRulesTests.workflow(["a": DefinitionRulesTests.node()], extra: ["privacy": ["pii": "block"]]))
        #expect(all.privacy == WorkflowPrivacy(action: .block))
        #expect(all.json["privacy"] == ["pii": "block"])
    }

    @Test(arguments: [
        (["pii": "shred"] as JSONValue, "privacy.pii: \"shred\" is not a PII action"),
        (["pii": "mask", "kinds": ["emails"]], "privacy.kinds: \"emails\" is not a kind of personal data"),
        (["pii": "mask", "mode": "x"], "privacy.mode: unknown field"),
        (["kinds": ["email"]], "privacy.pii: is required"),
        ("mask", "privacy: must be a mapping"),
    ] as [(JSONValue, String)])
    func aBadPrivacyBlockIsRefusedAtApply(_ block: JSONValue, _ want: String) {
        let issues = DefinitionRulesTests.issues(DefinitionRulesTests.workflow(["a": DefinitionRulesTests.node()], extra: ["privacy": block]))
        #expect(issues.contains { $0.hasPrefix(want) }, "\(issues)")
    }

    // MARK: - Scanning JSON

    @Test func aScannerMasksEveryStringOfAPayloadAndCounts() throws {
        let rules = try #require(PrivacyRules.resolve(org: PrivacyPolicy(action: .mask), workflow: nil))
        let scanner = try #require(rules.scanner(atLeast: .mask))
        let payload: JSONValue = ["to": "ann@example.com", "cc": ["bob@example.com", "ok"], "card": "4111 1111 1111 1111", "n": 4111111111111111]
        let (masked, counts) = scanner.mask(payload)
        #expect(masked == ["to": "[email]", "cc": ["[email]", "ok"], "card": "[payment_card]", "n": 4111111111111111])
        #expect(counts == ["email": 2, "payment_card": 1])
        #expect(scanner.found(in: payload) == ["email", "payment_card"])
        #expect(scanner.found(in: ["a": "nothing here"]).isEmpty)
    }
}
