import Core
import Foundation
import Testing

/// The pure rules under llm steps: money, prices, budget periods and thresholds, the chat
/// protocol's pieces and structured output.
@Suite struct LLMRulesTests {
    @Test func dollarsAreReadExactlyAndWrittenWithTwoDecimalsAtLeast() {
        #expect(Money.parseDollars("0.10") == 100_000)
        #expect(Money.parseDollars("500") == 500_000_000)
        #expect(Money.parseDollars("12.345678") == 12_345_678)
        for bad in ["", "-1", "1.2345678", "1.", ".5", "1e3", "abc", "1,5", "١٢"] { #expect(Money.parseDollars(bad) == nil, "\(bad)") }
        #expect(Money.format(100_000) == "0.10")
        #expect(Money.format(500_000_000) == "500.00")
        #expect(Money.format(12_345_678) == "12.345678")
        #expect(Money.format(-1_500_000) == "-1.50")
    }

    @Test func costsRoundUpAndReservationsCoverTheWorstCase() {
        let price = ModelPrice(input: 100_000, output: 300_000)  // $0.10 and $0.30 per million
        #expect(price.cost(promptTokens: 1_000_000, completionTokens: 1_000_000) == 400_000)
        #expect(price.cost(promptTokens: 1, completionTokens: 0) == 1)  // 0.1 µ$ rounds up
        #expect(price.cost(promptTokens: 0, completionTokens: 0) == 0)
        #expect(price.reservation(promptBytes: 3000, maxTokens: 100) == price.cost(promptTokens: 1016, completionTokens: 100))
    }

    @Test func periodsStartOnTheFirstOfTheMonthOrQuarterInUTC() throws {
        let may = try #require(Instant(rfc3339: "2026-05-17T13:00:00Z"))
        #expect(BudgetPeriod.monthly.window(containing: may).start == Instant(rfc3339: "2026-05-01T00:00:00Z"))
        #expect(BudgetPeriod.monthly.window(containing: may).end == Instant(rfc3339: "2026-06-01T00:00:00Z"))
        #expect(BudgetPeriod.quarterly.window(containing: may).start == Instant(rfc3339: "2026-04-01T00:00:00Z"))
        let december = try #require(Instant(rfc3339: "2026-12-31T23:59:59Z"))
        #expect(BudgetPeriod.monthly.window(containing: december).end == Instant(rfc3339: "2027-01-01T00:00:00Z"))
        #expect(BudgetPeriod.quarterly.window(containing: december).start == Instant(rfc3339: "2026-10-01T00:00:00Z"))
        #expect(BudgetPeriod.quarterly.window(containing: december).end == Instant(rfc3339: "2027-01-01T00:00:00Z"))
    }

    @Test func admissionCountsWhatRunningStepsReservedAndThresholdsCrossOnce() {
        #expect(BudgetRules.admit(limit: 100, spent: 50, reserved: 30, reservation: 20, allowOverage: false, name: "org") == .admit)
        guard case .refuse(let message) = BudgetRules.admit(limit: 100, spent: 50, reserved: 30, reservation: 21, allowOverage: false, name: "org") else {
            Issue.record("over the limit was admitted")
            return
        }
        #expect(message.contains("agentctl budgets set"))
        #expect(BudgetRules.admit(limit: 100, spent: 100, reserved: 0, reservation: 1, allowOverage: true, name: "org") == .overage)
        #expect(BudgetRules.crossed(limit: 1000, before: 400, after: 800) == [50, 75])
        #expect(BudgetRules.crossed(limit: 1000, before: 800, after: 800).isEmpty)
        #expect(BudgetRules.crossed(limit: 1000, before: 0, after: 5000) == [50, 75, 90, 100])
        #expect(BudgetRules.crossed(limit: 0, before: 0, after: 5).isEmpty)
    }

    @Test func aStreamIsPutTogetherFromPiecesSplitAnywhere() throws {
        let body = """
            data: {"model":"m","choices":[{"index":0,"delta":{"role":"assistant"}}]}\r
            \r
            : a comment\n\ndata: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}

            data: {"choices":[{"index":0,"delta":{"content":"lo","tool_calls":[{"index":0,"id":"c1","function":{"name":"look","arguments":"{\\"q\\""}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}

            data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}

            data: [DONE]


            """
        // Fed a byte at a time: events complete only at their blank line.
        var events = ServerSentEvents()
        var payloads: [String] = []
        for byte in Array(body.utf8) { payloads += try events.feed([byte]) }
        #expect(payloads.count == 6 && payloads.last == "[DONE]")
        var result = ChatResult()
        for payload in payloads.dropLast() {
            result.add(chunk: try #require(JSONText.parse(payload)))
        }
        #expect(result.text == "Hello" && result.model == "m" && result.finishReason == "tool_calls")
        #expect(result.toolCalls == [ToolCall(id: "c1", name: "look", arguments: #"{"q":1}"#)])
        #expect(result.usage == TokenUsage(promptTokens: 7, completionTokens: 3))
        var long = ServerSentEvents()
        #expect(throws: ServerSentEvents.Failure.lineTooLong) { _ = try long.feed([UInt8](repeating: 65, count: ServerSentEvents.maximumLineBytes + 1)) }
    }

    @Test func requestsCarryWhatTheStepSaysAndJSONAnswersAreChecked() {
        let config: JSONValue = ["system": "S", "prompt": "P", "max_tokens": 5, "stop": "END", "stream": true,
                                 "response_schema": ["type": "object", "required": ["a"]]]
        let body = ChatRequest(config: config, model: "server-model").body
        #expect(body["model"] == "server-model" && body["max_tokens"] == 5 && body["stop"] == ["END"])
        #expect(body["messages"] == [["role": "system", "content": "S"], ["role": "user", "content": "P"]])
        #expect(body["stream_options"] == ["include_usage": true])
        #expect(body["response_format"]?["type"] == "json_schema")
        #expect(ChatRequest(config: ["prompt": "x"], model: "m").body["max_tokens"] == .integer(ChatRequest.defaultMaxTokens))
        #expect(StructuredOutput.jsonText(in: "```json\n{\"a\": 1}\n```") == "{\"a\": 1}")
        #expect(StructuredOutput.problem(with: ["a": 1], schema: ["type": "object", "required": ["a"]]) == nil)
        #expect(StructuredOutput.problem(with: ["b": 1], schema: ["type": "object", "required": ["a"]]) != nil)
        #expect(StructuredOutput.problem(with: "text", schema: nil) != nil)
    }

    @Test func modelSpecsRefuseCredentialsInURLsAndBadPrices() {
        var spec = ModelSpec(name: "local", baseURL: "http://gpu01:8000/v1/", model: "llama", apiKeySecret: "infra/key",
                             price: ModelPrice(input: 1, output: 2), timeoutMs: 1000)
        #expect(spec.violations.isEmpty && spec.chatURL == "http://gpu01:8000/v1/chat/completions")
        spec.baseURL = "http://me:secret@gpu01/v1"
        #expect(spec.violations.map(\.field) == ["base_url"])
        spec.baseURL = "http://gpu01/v1"
        spec.price = ModelPrice(input: -1, output: ModelSpec.maximumPriceMicros + 1)
        #expect(spec.violations.map(\.field) == ["input_price", "output_price"])
    }

    @Test func aJobLoadsOnlyTheStepsItsTemplatesRead() throws {
        let workflow = try WorkflowDefinition.parse([
            "workflow": "reads",
            "nodes": [
                "a": ["kind": "transform", "config": ["output": 1]],
                "b": ["kind": "transform", "config": ["output": "{{ nodes.a.output }}"]],
                "c": ["kind": "transform", "config": ["output": "{{ nodes.a.output }}"]],
                "d": ["kind": "transform", "config": ["output": "{{ nodes }}"]],
            ],
            "edges": ["a -> b", "b -> c", "c -> d"],
        ])
        let compiled = try CompiledWorkflow(workflowID: "wf", version: 1, definition: workflow, kinds: [:], configs: [:])
        #expect(compiled.reads["c"] == ["a", "c"])  // b is an ancestor, but c's templates do not read it
        #expect(compiled.reads["d"] == ["a", "b", "c", "d"])  // all of `nodes`: every ancestor
        #expect(compiled.reads["a"] == ["a"])
    }

    @Test func adviceFindsACheaperModelThatSucceedsAsOften() {
        let items = CostAdvice.advise(byWorkflowModel: [
            CostTotals(key: "triage\u{1F}big", calls: 100, failedCalls: 1, costMicros: 100_000),
            CostTotals(key: "triage\u{1F}small", calls: 50, failedCalls: 0, costMicros: 5_000),
        ], recent: [CostTotals(key: "triage\u{1F}summarize", calls: 10, promptTokens: 3000)],
           earlier: [CostTotals(key: "triage\u{1F}summarize", calls: 10, promptTokens: 1000)])
        #expect(items.map(\.rule) == ["cheaper_model", "prompt_growth"])
        let saving: Int64? = (1000 - 100) * 100  // 900 µ$ a call cheaper, over the dear model's 100 calls
        #expect(items.first?.savingMicros == saving)
    }
}

/// JSON text to a value, for the tests (Core itself has no JSON parser of text).
enum JSONText {
    static func parse(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
