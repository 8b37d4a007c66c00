import Core
import Engine
import Foundation
import Hummingbird
import Storage

/// The org's OpenAI-compatible model endpoints and their prices (`agentctl models`). `{model}`
/// is an ID (`mdl_…`) or a name. Changing them is settings.manage; llm steps name them.
public enum ModelRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object", "required": ["id", "name", "base_url", "model", "input_price", "output_price", "timeout_ms", "structured_output", "tool_calling"],
        "properties": [
            "id": ["type": "string"], "name": ["type": "string"], "base_url": ["type": "string"], "model": ["type": "string"],
            "api_key_secret": ["type": ["string", "null"]],
            "input_price": ["type": "string", "description": "Dollars per million prompt tokens."],
            "output_price": ["type": "string", "description": "Dollars per million completion tokens."],
            "input_price_micros": ["type": "integer"], "output_price_micros": ["type": "integer"], "timeout_ms": ["type": "integer"],
            "structured_output": dialectSchema, "tool_calling": ["type": "boolean", "description": "Whether its server calls tools."],
            "tested_at": ["type": ["string", "null"], "format": "date-time",
                          "description": "When `agentctl models test` detected structured_output and tool_calling; null: assumed or set by hand."],
            "created_at": Schemas.timestamp, "updated_at": Schemas.timestamp,
        ],
    ]
    static let dialectSchema: JSON = [
        "enum": .array(StructuredOutputDialect.allCases.map { .string($0.rawValue) }),
        "description": "How its server is asked for JSON: json_schema (OpenAI, vLLM), json_object_schema (llama-cpp-python, llama-server), json_object (Ollama; the schema goes in the prompt) or prompt_only.",
    ]
    static let probeSchema: JSON = [
        "type": "object", "properties": [
            "model": ["type": "string"], "latency_ms": ["type": "number"], "text": ["type": "string"], "server_model": ["type": ["string", "null"]],
            "usage": ["type": ["object", "null"]], "cost_micros": ["type": "integer"],
            "structured_output": dialectSchema, "tool_calling": ["type": "boolean"],
            "findings": ["type": "array", "description": "Each probe: what was tried and what the server did.", "items": [
                "type": "object", "properties": ["check": ["enum": ["structured_output", "tool_calling"]], "tried": ["type": "string"],
                                                 "accepted": ["type": "boolean"], "detail": ["type": "string"]],
            ]],
            "stored": ["type": "object", "description": "The model as stored after the test."],
        ],
    ]

    public typealias Services = ModelService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/models", needs: .permission(.settingsManage),
                      Operation(id: "createModel", summary: "Register an OpenAI-compatible model endpoint with its prices.", tag: "models",
                                requestBody: CreateBody.schema.json, success: (201, schema, "application/json"), problems: [400, 404, 409, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/models", needs: .permission(.workflowsView),
                      Operation(id: "listModels", summary: "The org's model endpoints.", tag: "models",
                                success: (200, Schemas.list(of: schema), "application/json")),
                      handler: list),
            RouteSpec(.get, "/api/v1/models/{model}", needs: .permission(.workflowsView),
                      Operation(id: "getModel", summary: "One model endpoint.", tag: "models", success: (200, schema, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.patch, "/api/v1/models/{model}", needs: .permission(.settingsManage),
                      Operation(id: "updateModel", summary: "Change a model's URL, server model, key or prices.", tag: "models",
                                requestBody: UpdateBody.schema.json, success: (200, schema, "application/json"), problems: [400, 404, 413, 415, 422]),
                      handler: update),
            RouteSpec(.delete, "/api/v1/models/{model}", needs: .permission(.settingsManage),
                      Operation(id: "deleteModel", summary: "Remove a model endpoint (steps naming it then fail).", tag: "models",
                                success: (204, nil, "application/json"), problems: [404]),
                      handler: delete),
            RouteSpec(.post, "/api/v1/models/{model}/test", needs: .permission(.settingsManage),
                      Operation(id: "testModel", summary: "Send one tiny request, detect the structured-output dialect and tool calling its server accepts, store them; report latency and usage.", tag: "models",
                                requestBody: TestBody.schema.json, success: (200, probeSchema, "application/json"),
                                problems: [400, 404, 413, 415, 422, 502]),
                      handler: test),
        ]
    }

    /// Dollars as a string ("0.10") or a number, read exactly.
    struct Dollars: Decodable {
        let micros: Int64

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text: String
            if let string = try? container.decode(String.self) {
                text = string
            } else {
                let number = try container.decode(Double.self)
                text = String(format: "%.6f", number)
            }
            guard let micros = Money.parseDollars(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be dollars such as 0.10, at most 6 decimals")
            }
            self.micros = micros
        }
    }

    static let priceSchema: JSON = ["type": ["string", "number"], "pattern": "^[0-9]+(\\.[0-9]{1,6})?$"]

    struct CreateBody: RequestBody {
        let name: String
        let baseUrl: String
        let model: String
        let apiKeySecret: String?
        let inputPrice: Dollars?
        let outputPrice: Dollars?
        let timeoutMs: Int?
        let structuredOutput: String?
        let toolCalling: Bool?
        let org: String?
        enum CodingKeys: String, CodingKey {
            case name, baseUrl = "base_url", model, apiKeySecret = "api_key_secret", inputPrice = "input_price", outputPrice = "output_price",
                 timeoutMs = "timeout_ms", structuredOutput = "structured_output", toolCalling = "tool_calling", org
        }
        static let schema = ObjectSchema([
            .init("name", ["type": "string"], required: true, "agentd's name for it, used in llm steps (like an org name)."),
            .init("base_url", ["type": "string"], required: true, "The server's OpenAI-compatible base, e.g. http://gpu01:8000/v1."),
            .init("model", ["type": "string"], required: true, "The server's model name, e.g. llama-3.1-8b."),
            .init("api_key_secret", ["type": "string"], "Vault path of the API key (sent as Bearer); none: no key."),
            .init("input_price", priceSchema, "Dollars per million prompt tokens (default 0)."),
            .init("output_price", priceSchema, "Dollars per million completion tokens (default 0)."),
            .init("timeout_ms", ["type": "integer"], "Per request (default 120000)."),
            .init("structured_output", dialectSchema, "Default json_schema; `agentctl models test` detects it."),
            .init("tool_calling", ["type": "boolean"], "Whether its server calls tools (default true); `agentctl models test` detects it."),
            .init("org", ["type": "string"], "The org (ID or name); default: yours."),
        ])
    }

    struct UpdateBody: RequestBody {
        let baseUrl: String?
        let model: String?
        let apiKeySecret: String?
        let inputPrice: Dollars?
        let outputPrice: Dollars?
        let timeoutMs: Int?
        let structuredOutput: String?
        let toolCalling: Bool?
        enum CodingKeys: String, CodingKey {
            case baseUrl = "base_url", model, apiKeySecret = "api_key_secret", inputPrice = "input_price", outputPrice = "output_price",
                 timeoutMs = "timeout_ms", structuredOutput = "structured_output", toolCalling = "tool_calling"
        }
        static let schema = ObjectSchema(CreateBody.schema.fields.filter { $0.name != "name" && $0.name != "org" }.map {
            ObjectSchema.Field($0.name, $0.schema, $0.description + ($0.name == "api_key_secret" ? " An empty string removes it." : ""))
        })
    }

    struct TestBody: RequestBody {
        let environment: String?
        let structuredOutput: String?
        let toolCalling: Bool?
        enum CodingKeys: String, CodingKey {
            case environment, structuredOutput = "structured_output", toolCalling = "tool_calling"
        }
        static let schema = ObjectSchema([
            .init("environment", Schemas.environment, "Whose vault the API key is read from (default prod)."),
            .init("structured_output", dialectSchema, "Store this dialect instead of detecting it."),
            .init("tool_calling", ["type": "boolean"], "Store this instead of probing tool calling."),
        ])
    }

    /// A dialect named in a body: one of the four, else 422 naming the field.
    static func dialect(_ text: String?) throws -> StructuredOutputDialect? {
        guard let text else { return nil }
        guard let dialect = StructuredOutputDialect(rawValue: text) else {
            throw ValidationError(field: "structured_output", "must be one of \(StructuredOutputDialect.names); got `\(text)`")
        }
        return dialect
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateBody.self, from: request, limits: services.limits)
        let spec = ModelSpec(name: body.name, baseURL: body.baseUrl, model: body.model, apiKeySecret: body.apiKeySecret,
                             price: ModelPrice(input: body.inputPrice?.micros ?? 0, output: body.outputPrice?.micros ?? 0),
                             timeoutMs: body.timeoutMs ?? ModelSpec.defaultTimeoutMs)
        let capabilities = ModelCapabilities(structuredOutput: try dialect(body.structuredOutput) ?? ModelCapabilities.assumed.structuredOutput,
                                             toolCalling: body.toolCalling ?? ModelCapabilities.assumed.toolCalling)
        // Another org's (an installation admin's call) is checked against the site's rules
        // here; every call is checked in full.
        try await services.refuseDeniedEgress(body.baseUrl, org: body.org == nil ? try context.scope().orgID : nil)
        let record = try await services.models.create(spec, capabilities: capabilities, orgReference: body.org, context: context.change(services.clock))
        return DefinitionResources.respond(.created, resource(record))
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let records = try await services.models.list(in: context.scope())
        return DefinitionResources.respond(.ok, DefinitionResources.list(records.map(resource), next: nil))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.models.get(context.parameters.require("model"), in: context.scope())))
    }

    static func update(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(UpdateBody.self, from: request, limits: services.limits)
        let dialect = try dialect(body.structuredOutput)
        if let url = body.baseUrl {
            let current = try await services.models.get(context.parameters.require("model"), in: context.scope())
            try await services.refuseDeniedEgress(url, org: current.orgID)
        }
        let record = try await services.models.update(context.parameters.require("model"), context: context.change(services.clock)) { spec, capabilities in
            if let dialect { capabilities.structuredOutput = dialect }
            if let tools = body.toolCalling { capabilities.toolCalling = tools }
            if let url = body.baseUrl { spec.baseURL = url }
            if let model = body.model { spec.model = model }
            if let key = body.apiKeySecret { spec.apiKeySecret = key.isEmpty ? nil : key }
            if let price = body.inputPrice { spec.price.inputMicrosPerMillion = price.micros }
            if let price = body.outputPrice { spec.price.outputMicrosPerMillion = price.micros }
            if let timeout = body.timeoutMs { spec.timeoutMs = timeout }
        }
        return DefinitionResources.respond(.ok, resource(record))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.models.delete(context.parameters.require("model"), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func test(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decodeIfPresent(TestBody.self, from: request, limits: services.limits)
        let environment = try SecretRoutes.environment(body?.environment ?? "prod")
        let overrides = DetectionOverrides(structuredOutput: try dialect(body?.structuredOutput), toolCalling: body?.toolCalling)
        let outcome = try await services.test(context.parameters.require("model"), environment: environment, detect: overrides,
                                              change: context.change(services.clock))
        let record = outcome.record
        switch outcome.result {
        case .success(let probe):
            var answer: [String: JSONValue] = [
                "model": .string(record.spec.name), "latency_ms": .number((probe.latencyMs * 10).rounded() / 10), "text": .string(probe.text),
                "server_model": probe.model.map(JSONValue.string) ?? .null, "usage": probe.usage?.json ?? .null,
                "cost_micros": .integer(Int(probe.costMicros)),
            ]
            if let detection = probe.detection, let stored = outcome.stored {
                answer["structured_output"] = .string(detection.capabilities.structuredOutput.rawValue)
                answer["tool_calling"] = .bool(detection.capabilities.toolCalling)
                answer["findings"] = .array(detection.findings.map { finding -> JSONValue in
                    ["check": .string(finding.check), "tried": .string(finding.tried), "accepted": .bool(finding.accepted), "detail": .string(finding.detail)]
                })
                answer["stored"] = resource(stored)
            }
            return DefinitionResources.respond(.ok, .object(answer))
        case .failure(let error) where error.kind == .egressDenied:
            throw APIError.egressDenied(error.message)
        case .failure(let error):
            throw APIError.modelFailed(model: record.spec.name, error.description)
        }
    }

    static func resource(_ record: ModelRecord) -> JSONValue {
        let spec = record.spec
        return [
            "id": .string(record.id.rawValue), "name": .string(spec.name), "base_url": .string(spec.baseURL), "model": .string(spec.model),
            "api_key_secret": spec.apiKeySecret.map(JSONValue.string) ?? .null,
            "input_price": .string(Money.format(spec.price.inputMicrosPerMillion)), "output_price": .string(Money.format(spec.price.outputMicrosPerMillion)),
            "input_price_micros": .integer(Int(spec.price.inputMicrosPerMillion)), "output_price_micros": .integer(Int(spec.price.outputMicrosPerMillion)),
            "timeout_ms": .integer(spec.timeoutMs), "structured_output": .string(record.capabilities.structuredOutput.rawValue),
            "tool_calling": .bool(record.capabilities.toolCalling), "tested_at": record.testedAt.map { .string($0.rfc3339) } ?? .null,
            "created_at": .string(record.createdAt.rfc3339), "updated_at": .string(record.updatedAt.rfc3339),
        ]
    }
}
