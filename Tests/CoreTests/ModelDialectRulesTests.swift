import Core
import Testing

/// What each structured-output dialect sends, which error bodies are refused request shapes,
/// and how `agentctl models test` judges its probes' answers.
struct ModelDialectRulesTests {
    static let schema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
    static let config: JSONValue = ["system": "Be brief.", "prompt": "Weather?", "response_schema": schema]

    @Test(arguments: [
        (StructuredOutputDialect.jsonSchema, Optional<JSONValue>.some(["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]), false),
        (.jsonObjectSchema, Optional<JSONValue>.some(["type": "json_object", "schema": schema]), false),
        (.jsonObject, Optional<JSONValue>.some(["type": "json_object"]), true),
        (.promptOnly, Optional<JSONValue>.none, true),
    ] as [(StructuredOutputDialect, JSONValue?, Bool)])
    func eachDialectSendsItsShapeAndPutsTheSchemaInThePromptWhenTheServerCannotHoldIt(_ dialect: StructuredOutputDialect, _ format: JSONValue?,
                                                                                      _ inPrompt: Bool) {
        let body = ChatRequest(config: Self.config, model: "m", dialect: dialect).body
        #expect(body["response_format"] == format)
        let system = body["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        #expect(system.hasPrefix("Be brief."))
        #expect(system.contains("JSON Schema: \(Self.schema.canonicalText)") == inPrompt, "\(system)")
        // Only the request carries the instruction: the conversation stays as the step wrote it.
        #expect(ChatRequest(config: Self.config, model: "m", dialect: dialect).messages.first?["content"] == "Be brief.")
    }

    @Test func jsonWithoutASchemaAndTextAnswers() {
        let json: JSONValue = ["prompt": "x", "response_format": "json"]
        #expect(ChatRequest(config: json, model: "m", dialect: .jsonSchema).body["response_format"] == ["type": "json_object"])
        #expect(ChatRequest(config: json, model: "m", dialect: .jsonObjectSchema).body["response_format"] == ["type": "json_object"])
        // json_object without a schema needs no instruction; prompt_only does, as a system message of its own.
        #expect(ChatRequest(config: json, model: "m", dialect: .jsonObject).body["messages"] == [["role": "user", "content": "x"]])
        let promptOnly = ChatRequest(config: json, model: "m", dialect: .promptOnly).body
        #expect(promptOnly["response_format"] == nil)
        #expect(promptOnly["messages"]?.arrayValue?.first?["role"] == "system")
        #expect(promptOnly["messages"]?.arrayValue?.first?["content"]?.stringValue?.contains("valid JSON object") == true)
        // A text step is the same in every dialect.
        for dialect in StructuredOutputDialect.allCases {
            let text = ChatRequest(config: ["prompt": "x"], model: "m", dialect: dialect).body
            #expect(text["response_format"] == nil && text["messages"] == [["role": "user", "content": "x"]])
        }
    }

    @Test(arguments: [
        // llama-cpp-python answers json_schema with pydantic's error as a 500.
        (500, "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should be 'text' or 'json_object' [type=literal_error, input_value='json_schema']",
         "response_format (structured output)" as String?),
        (500, "response_format type must be one of \"text\" or \"json_object\", but got: json_schema", "response_format (structured output)"),
        (400, "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text', 'json_object'\"}]",
         "response_format (structured output)"),
        (422, "Failed to deserialize the JSON body into the target type: response_format: unknown variant `json_schema`", "response_format (structured output)"),
        (500, "tools param requires --jinja flag", "tools (tool calling)"),
        (400, "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set", "tools (tool calling)"),
        (400, "Unrecognized request argument supplied: seed", "seed"),
        (400, "stream_options is not supported", "stream_options"),
        (422, "Extra inputs are not permitted", "a request argument"),
        // Not refusals of the shape: a crash, a plain bad request, an overloaded server, a missing model, a key.
        (500, "CUDA error: out of memory", nil),
        (500, "The server had an error while processing your request.", nil),
        (500, "error while decoding tools output", nil),
        (400, "Directed failure with status 400.", nil),
        (503, "response_format is not supported while loading", nil),
        (404, "The model `llama` does not exist.", nil),
        (401, "Unrecognized request argument", nil),
        (400, "the prompt was seeded with too many tokens", nil),
    ])
    func refusedRequestShapesAreToldFromServerFailures(_ status: Int, _ message: String, _ part: String?) {
        #expect(RequestRefusal.refusedPart(status: status, message: message) == part)
    }

    @Test func refusedShapesAreNeitherRetriedNorToolsOnAServerWithoutThem() {
        #expect(!StepError(.modelRequestRefused, "x").retryable)
        #expect(!StepError(.modelToolsUnsupported, "x").retryable)
        #expect(StepError(.modelRequestRefused, "x").json["kind"] == "model_request_refused")
    }

    @Test func probesCountOnlyAnswersTheServerHeldToTheSchema() {
        let token = "agentd-1a2b3c4d"
        #expect(CapabilityProbe.honoured(.jsonSchema, answer: #"{"probe": "agentd-1a2b3c4d"}"#, token: token))
        #expect(CapabilityProbe.honoured(.jsonObjectSchema, answer: "```json\n{\"probe\": \"agentd-1a2b3c4d\"}\n```", token: token))
        // A server that ignored the schema answers JSON of its own: not held to it.
        #expect(!CapabilityProbe.honoured(.jsonSchema, answer: #"{"answer": "ok"}"#, token: token))
        #expect(!CapabilityProbe.honoured(.jsonObjectSchema, answer: #"{"probe": "something else"}"#, token: token))
        #expect(!CapabilityProbe.honoured(.jsonSchema, answer: "echo: Reply with a JSON object.", token: token))
        #expect(CapabilityProbe.honoured(.jsonObject, answer: #"{"answer": "ok"}"#, token: token))
        #expect(!CapabilityProbe.honoured(.jsonObject, answer: "[1]", token: token))
        // The probe's prompt never names the token: only a server that holds the answer to the schema can match it.
        let request = CapabilityProbe.structuredRequest(.jsonObjectSchema, model: "m", token: token).body
        #expect(request["response_format"]?["schema"]?["properties"]?["probe"]?["enum"] == [.string(token)])
        #expect(!request.canonicalText.replacingOccurrences(of: request["response_format"]!.canonicalText, with: "").contains(token))
        #expect(CapabilityProbe.structuredRequest(.jsonObject, model: "m", token: token).body["response_format"] == ["type": "json_object"])
        var called = ChatResult()
        called.toolCalls = [ToolCall(id: "c1", name: CapabilityProbe.toolName, arguments: "{}")]
        #expect(CapabilityProbe.calledTool(called) && !CapabilityProbe.calledTool(ChatResult()))
        #expect(CapabilityProbe.toolRequest(model: "m").body["tools"]?.arrayValue?.count == 1)
    }
}
