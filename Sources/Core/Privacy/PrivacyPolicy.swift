/// An org's privacy policy (docs/compliance.md#pii-detection-and-masking): what its
/// executions do with the personal data PII detection finds, which kinds that covers, and the
/// org's own patterns. Set with `agentctl orgs privacy`; `off` until then.
public struct PrivacyPolicy: Sendable, Hashable {
    public var action: PIIAction
    public var kinds: PIIKindSelection
    public var patterns: [CustomPIIPattern]

    public init(action: PIIAction = .off, kinds: PIIKindSelection = .all, patterns: [CustomPIIPattern] = []) {
        self.action = action
        self.kinds = kinds
        self.patterns = patterns
    }

    public static let off = PrivacyPolicy()

    /// As stored and shown: `{"pii": "mask", "kinds": ["email", "custom"], "patterns": [{"name", "regex"}]}`.
    public var json: JSONValue {
        .object(["pii": .string(action.rawValue), "kinds": .array(kinds.names.map { .string($0) }),
                 "patterns": .array(patterns.map { .object(["name": .string($0.name), "regex": .string($0.regex)]) })])
    }

    /// Reads what `json` wrote (unknown kinds dropped: a kind removed in a later agentd).
    public init?(json: JSONValue) {
        guard let action = json["pii"]?.stringValue.flatMap(PIIAction.init(rawValue:)) else { return nil }
        var kinds = PIIKindSelection.all
        if case .array(let names)? = json["kinds"] {
            let strings = names.compactMap(\.stringValue)
            kinds = PIIKindSelection(kinds: Set(strings.compactMap(PIIKind.init(rawValue:))), custom: strings.contains(PIIKindSelection.customName))
        }
        var patterns: [CustomPIIPattern] = []
        if case .array(let items)? = json["patterns"] {
            for item in items {
                guard let name = item["name"]?.stringValue, let regex = item["regex"]?.stringValue else { continue }
                patterns.append(CustomPIIPattern(name: name, regex: regex))
            }
        }
        self.init(action: action, kinds: kinds, patterns: patterns)
    }

    /// What is wrong with the set of patterns as a whole: too many, or two with one name.
    public static func patternsProblem(_ patterns: [CustomPIIPattern]) -> PrivacyProblem? {
        if patterns.count > CustomPIIPattern.maximumCount {
            return PrivacyProblem(.tooManyPatterns, "\(patterns.count) custom patterns; an org may have at most \(CustomPIIPattern.maximumCount)")
        }
        var seen: Set<String> = []
        for pattern in patterns where !seen.insert(pattern.name).inserted {
            return PrivacyProblem(.patternName, "two custom patterns are named \(pattern.name)")
        }
        return nil
    }
}

/// A workflow's own `privacy:` block: `privacy: {pii: mask, kinds: [email, payment_card]}`.
/// It can only add to the org's policy, never relax it (`PrivacyRules.resolve`).
public struct WorkflowPrivacy: Sendable, Hashable {
    public var action: PIIAction
    public var kinds: PIIKindSelection

    public init(action: PIIAction, kinds: PIIKindSelection = .all) {
        self.action = action
        self.kinds = kinds
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["pii": .string(action.rawValue)]
        if !kinds.isAll { object["kinds"] = .array(kinds.names.map { .string($0) }) }
        return .object(object)
    }
}

/// The privacy rules one execution runs under: for each kind, the stricter of what the org's
/// policy and the workflow's `privacy:` block say about it, and the org's custom patterns.
/// Resolved when the execution starts and kept with it, so a policy changed meanwhile applies
/// to executions started after the change (as a workflow version does), and a step retried
/// later is treated as its first attempt was.
///
/// Why the stricter wins: an org admin sets the floor for everything the org runs (a
/// compliance duty); a workflow's author knows what their workflow handles and may ask for more
/// protection, but cannot opt a workflow out of the org's.
public struct PrivacyRules: Sendable, Hashable, Codable {
    /// Non-off actions by kind name: a built-in kind's raw value, or `custom` for the org's
    /// patterns.
    public let actions: [String: PIIAction]
    public let patterns: [CustomPIIPattern]

    public init(actions: [String: PIIAction], patterns: [CustomPIIPattern]) {
        self.actions = actions.filter { $0.value != .off }
        self.patterns = patterns
    }

    /// The rules for an execution of a workflow with `workflow` in an org with `org`; nil when
    /// they do nothing (the cheap, common case: no scan at all).
    public static func resolve(org: PrivacyPolicy?, workflow: WorkflowPrivacy?) -> PrivacyRules? {
        var actions: [String: PIIAction] = [:]
        func add(_ action: PIIAction, _ selection: PIIKindSelection) {
            guard action != .off else { return }
            for kind in selection.kinds { actions[kind.rawValue] = max(actions[kind.rawValue] ?? .off, action) }
            if selection.custom { actions[PIIKindSelection.customName] = max(actions[PIIKindSelection.customName] ?? .off, action) }
        }
        if let org { add(org.action, org.kinds) }
        if let workflow { add(workflow.action, workflow.kinds) }
        let patterns = org?.patterns ?? []
        // Custom rules without patterns do nothing.
        if patterns.isEmpty { actions[PIIKindSelection.customName] = nil }
        guard !actions.isEmpty else { return nil }
        return PrivacyRules(actions: actions, patterns: actions[PIIKindSelection.customName] == nil ? [] : patterns)
    }

    /// The action for one built-in kind.
    public func action(for kind: PIIKind) -> PIIAction { actions[kind.rawValue] ?? .off }

    /// What scans for the kinds (and patterns) whose action is at least `action`; nil when
    /// none is.
    public func scanner(atLeast action: PIIAction) -> PIIScanner? {
        let kinds = Set(PIIKind.allCases.filter { self.action(for: $0) >= action })
        let custom = (actions[PIIKindSelection.customName] ?? .off) >= action ? patterns : []
        guard !kinds.isEmpty || !custom.isEmpty else { return nil }
        return PIIScanner(kinds: kinds, patterns: custom)
    }

    /// The strictest action of any kind.
    public var strictest: PIIAction { actions.values.max() ?? .off }
}
