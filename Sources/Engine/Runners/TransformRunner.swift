import Core

/// `transform`: the output is the config's `output`, templates already rendered. No I/O.
struct TransformRunner: StepRunner {
    func run(_ step: StepInvocation) async -> StepOutcome {
        .succeeded(step.config["output"] ?? .null)
    }
}

/// `router`: the first route whose `when` rendered truthy selects its `to`; else `default`.
/// The successors not selected are skipped by the engine.
struct RouterRunner: StepRunner {
    func run(_ step: StepInvocation) async -> StepOutcome {
        var selected: [String] = []
        var matched: Int?
        for (index, route) in (step.config["routes"]?.arrayValue ?? []).enumerated() where truthy(route["when"] ?? .null) {
            selected = (route["to"]?.arrayValue ?? []).compactMap(\.stringValue)
            matched = index
            break
        }
        if matched == nil { selected = (step.config["default"]?.arrayValue ?? []).compactMap(\.stringValue) }
        return .succeeded(["selected": .array(selected.map(JSONValue.string)), "route": matched.map(JSONValue.integer) ?? .null],
                          selected: selected)
    }

    private func truthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null, .bool(false), .integer(0), .string(""): false
        case .number(let number): number != 0
        case .array(let items): !items.isEmpty
        case .object(let object): !object.isEmpty
        default: true
        }
    }
}

/// `delay`: a timer row, not a sleeping worker: the step waits and a job wakes it at the time.
struct DelayRunner: StepRunner {
    func run(_ step: StepInvocation) async -> StepOutcome {
        let now = step.now.millisecondsSinceEpoch
        let duration: Int?
        do { duration = try StepKind.delay.integer("duration_ms", in: step.config) } catch { return .failed(error) }
        if let duration {
            return .wait(untilMs: now + Int64(duration), output: ["waited_ms": .integer(duration)])
        }
        guard let text = step.config["until"]?.stringValue, let until = Instant(rfc3339: text) else {
            return .failed(StepError(.validation, "until must be an RFC 3339 UTC time like 2026-01-31T12:00:00Z"))
        }
        return .wait(untilMs: max(now, until.millisecondsSinceEpoch), output: ["waited_ms": .integer(Int(max(0, until.millisecondsSinceEpoch - now)))])
    }
}
