/// Summed model use for one key (a team, workflow, agent, model or day).
public struct CostTotals: Hashable, Sendable {
    public var key: String
    public var calls: Int
    public var failedCalls: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var costMicros: Int64

    public init(key: String, calls: Int = 0, failedCalls: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0, costMicros: Int64 = 0) {
        self.key = key
        self.calls = calls
        self.failedCalls = failedCalls
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costMicros = costMicros
    }

    public var costPerCall: Int64 { calls == 0 ? 0 : costMicros / Int64(calls) }
    public var promptTokensPerCall: Double { calls == 0 ? 0 : Double(promptTokens) / Double(calls) }
}

/// Where spending is heading: pure arithmetic over daily sums, with time passed in.
public enum CostForecast {
    public struct Projection: Hashable, Sendable {
        public let spentMicros: Int64
        public let dailyRateMicros: Int64
        public let projectedMicros: Int64
        public let periodStart: Instant
        public let periodEnd: Instant
    }

    /// Spend so far in the period plus the average of the last `recentDays` full days (or of
    /// the days elapsed, early in a period) for every day left.
    public static func project(spentInPeriod: Int64, recentDaily: [Int64], period: (start: Instant, end: Instant), now: Instant) -> Projection {
        let rate = recentDaily.isEmpty ? 0 : recentDaily.reduce(0, +) / Int64(recentDaily.count)
        let remainingMs = max(0, period.end.millisecondsSinceEpoch - now.millisecondsSinceEpoch)
        let projected = spentInPeriod + rate * remainingMs / Milliseconds.day
        return Projection(spentMicros: spentInPeriod, dailyRateMicros: rate, projectedMicros: projected, periodStart: period.start, periodEnd: period.end)
    }
}

/// Rules that point at money that could be saved. Each piece of advice says what was seen
/// and what to do; none is applied automatically.
public enum CostAdvice {
    public struct Item: Hashable, Sendable {
        public let rule: String
        public let subject: String
        public let message: String
        /// What following it might save over the same window, when that can be estimated.
        public let savingMicros: Int64?
    }

    /// `byWorkflowModel`: totals keyed `workflow\u{1F}model`; `recent` and `earlier`: totals
    /// keyed `workflow\u{1F}agent` for the last week and the weeks before it.
    public static func advise(byWorkflowModel: [CostTotals], recent: [CostTotals], earlier: [CostTotals]) -> [Item] {
        var items: [Item] = []
        // 1. A cheaper configured model already succeeds on the same workflow.
        var byWorkflow: [String: [(model: String, totals: CostTotals)]] = [:]
        for totals in byWorkflowModel {
            let parts = totals.key.split(separator: "\u{1F}", maxSplits: 1).map(String.init)
            guard parts.count == 2, totals.calls > 0 else { continue }
            byWorkflow[parts[0], default: []].append((parts[1], totals))
        }
        for (workflow, models) in byWorkflow.sorted(by: { $0.key < $1.key }) where models.count > 1 {
            func failureRate(_ t: CostTotals) -> Double { Double(t.failedCalls) / Double(t.calls) }
            let sorted = models.sorted { $0.totals.costPerCall > $1.totals.costPerCall }
            guard let dear = sorted.first, let cheap = sorted.last, cheap.totals.costPerCall < dear.totals.costPerCall,
                  cheap.totals.calls >= 5, failureRate(cheap.totals) <= failureRate(dear.totals) + 0.02 else { continue }
            let saving = (dear.totals.costPerCall - cheap.totals.costPerCall) * Int64(dear.totals.calls)
            items.append(Item(rule: "cheaper_model", subject: workflow,
                              message: "workflow \(workflow): model \(cheap.model) costs $\(Money.format(cheap.totals.costPerCall)) a call and fails no more often "
                                  + "than \(dear.model) at $\(Money.format(dear.totals.costPerCall)); moving its \(dear.model) steps to \(cheap.model) "
                                  + "would have saved about $\(Money.format(saving))",
                              savingMicros: saving))
        }
        // 2. Prompts that grew.
        let before = Dictionary(earlier.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for now in recent.sorted(by: { $0.key < $1.key }) {
            guard let then = before[now.key], then.calls >= 5, now.calls >= 5, then.promptTokensPerCall > 0,
                  now.promptTokensPerCall >= then.promptTokensPerCall * 1.5 else { continue }
            let subject = now.key.replacingSeparator()
            items.append(Item(rule: "prompt_growth", subject: subject,
                              message: "\(subject): prompts grew from \(Int(then.promptTokensPerCall)) to \(Int(now.promptTokensPerCall)) tokens a call "
                                  + "over the last week; check what the templates feed the model (whole documents, growing histories)",
                              savingMicros: nil))
        }
        // 3. Failed calls that burn tokens.
        var workflows: [String: CostTotals] = [:]
        for totals in byWorkflowModel {
            let workflow = String(totals.key.split(separator: "\u{1F}").first ?? "")
            var sum = workflows[workflow] ?? CostTotals(key: workflow)
            sum.calls += totals.calls
            sum.failedCalls += totals.failedCalls
            sum.costMicros += totals.costMicros
            workflows[workflow] = sum
        }
        for (workflow, totals) in workflows.sorted(by: { $0.key < $1.key }) where totals.calls >= 5 && totals.failedCalls * 5 >= totals.calls {
            let wasted = totals.costMicros * Int64(totals.failedCalls) / Int64(totals.calls)
            items.append(Item(rule: "failed_calls", subject: workflow,
                              message: "workflow \(workflow): \(totals.failedCalls) of \(totals.calls) model calls failed or were retried "
                                  + "(about $\(Money.format(wasted)) of tokens); look at the step errors, tighten response_schema prompts, or lower retries",
                              savingMicros: wasted))
        }
        return items.sorted { ($0.savingMicros ?? 0) > ($1.savingMicros ?? 0) }
    }
}

private extension String {
    func replacingSeparator() -> String {
        split(separator: "\u{1F}").joined(separator: " / ")
    }
}
