import ArgumentParser
import Client
import Foundation

/// `agentctl models …`: the org's OpenAI-compatible model endpoints and their prices.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register, list, change, test and remove model endpoints (vLLM, llama.cpp, Ollama, TGI: any OpenAI-compatible server).",
        subcommands: [Add.self, List.self, Get.self, Update.self, Remove.self, Test.self]
    )

    static func show(_ model: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(model) }
        Output.pairs([("id", model.text("id")), ("name", model.text("name")), ("base_url", model.text("base_url")), ("model", model.text("model")),
                      ("api_key_secret", model.text("api_key_secret")), ("input_price", "$\(model.text("input_price")) / 1M tokens"),
                      ("output_price", "$\(model.text("output_price")) / 1M tokens"), ("timeout_ms", model.text("timeout_ms")),
                      ("structured_output", model.text("structured_output")), ("tools", Models.yesNo(model["tool_calling"])),
                      ("tested_at", model["tested_at"] is String ? model.text("tested_at") : "never (assumed or set by hand)")])
    }

    static func yesNo(_ value: Any?) -> String {
        guard let flag = value as? Bool else { return "" }
        return flag ? "yes" : "no"
    }

    static let dialectHelp: ArgumentHelp = "How its server is asked for JSON: json_schema (OpenAI, vLLM), json_object_schema (llama-cpp-python, llama-server), json_object (Ollama) or prompt_only. `agentctl models test` detects it."

    /// `--tools yes|no`.
    enum Tools: String, ExpressibleByArgument, CaseIterable {
        case yes, no
        var flag: Bool { self == .yes }
    }

    struct Settings: ParsableArguments {
        @Option(name: .customLong("base-url"), help: "The server's OpenAI-compatible base, e.g. http://gpu01:8000/v1.") var baseURL: String?
        @Option(help: "The server's model name, e.g. llama-3.1-8b.") var model: String?
        @Option(name: .customLong("api-key-secret"), help: "Vault path of its API key (agentctl secrets set PATH); \"\" removes it.") var apiKeySecret: String?
        @Option(name: .customLong("input-price"), help: "Dollars per million prompt tokens, e.g. 0.10.") var inputPrice: String?
        @Option(name: .customLong("output-price"), help: "Dollars per million completion tokens, e.g. 0.30.") var outputPrice: String?
        @Option(name: .customLong("timeout-ms"), help: "Per request (default 120000).") var timeoutMs: Int?
        @Option(name: .customLong("structured-output"), help: Models.dialectHelp) var structuredOutput: String?
        @Option(name: .customLong("tools"), help: "Whether its server calls tools: yes or no.") var tools: Tools?

        var body: [String: Any] {
            var body: [String: Any] = [:]
            if let baseURL { body["base_url"] = baseURL }
            if let model { body["model"] = model }
            if let apiKeySecret { body["api_key_secret"] = apiKeySecret }
            if let inputPrice { body["input_price"] = inputPrice }
            if let outputPrice { body["output_price"] = outputPrice }
            if let timeoutMs { body["timeout_ms"] = timeoutMs }
            if let structuredOutput { body["structured_output"] = structuredOutput }
            if let tools { body["tool_calling"] = tools.flag }
            return body
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a model endpoint.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "agentd's name for it, used as `model:` in llm steps.") var name: String
        @OptionGroup var settings: Settings

        func run() async throws {
            try await reportingFailures {
                var body = settings.body
                body["name"] = name
                Models.show(try await connection.client.call(.POST, "/api/v1/models", json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the org's model endpoints.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/models").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["NAME", "BASE URL", "MODEL", "IN $/1M", "OUT $/1M", "KEY", "STRUCTURED OUTPUT", "TOOLS", "TESTED"],
                             rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("name"), $0.text("base_url"), $0.text("model"), $0.text("input_price"), $0.text("output_price"), $0.text("api_key_secret"),
                     $0.text("structured_output"), Models.yesNo($0["tool_calling"]), $0["tested_at"] is String ? $0.text("tested_at") : "never"]
                })
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model endpoint.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var model: String

        func run() async throws {
            try await reportingFailures {
                Models.show(try await connection.client.call(.GET, "/api/v1/models/\(Users.escape(model))").json ?? [:], as: connection.output)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a model's URL, server model, key, prices or timeout.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var model: String
        @OptionGroup var settings: Settings

        func run() async throws {
            try await reportingFailures {
                Models.show(try await connection.client.call(.PATCH, "/api/v1/models/\(Users.escape(model))", json: settings.body).json ?? [:],
                            as: connection.output)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a model endpoint (steps naming it then fail).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var model: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/models/\(Users.escape(model))")
                print("removed \(model)")
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one tiny request, then detect and store the structured-output dialect and tool calling its server accepts.",
            discussion: "Probes, one small request each: json_schema, then json_object with a schema, then json_object (else prompt_only), "
                + "and one trivial tool. --structured-output and --tools store what you give instead of probing it.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var model: String
        @Option(name: .customLong("env"), help: "Whose vault the API key comes from: dev, staging, prod or one the org added (default prod).") var environment: String?
        @Option(name: .customLong("structured-output"), help: "Store this dialect instead of detecting it.") var structuredOutput: String?
        @Option(name: .customLong("tools"), help: "Store yes or no instead of probing tool calling.") var tools: Tools?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = [:]
                if let environment { body["environment"] = environment }
                if let structuredOutput { body["structured_output"] = structuredOutput }
                if let tools { body["tool_calling"] = tools.flag }
                let result = try await connection.client.call(.POST, "/api/v1/models/\(Users.escape(model))/test", json: body).json ?? [:]
                if connection.output == .json { return Output.json(result) }
                let usage = result["usage"] as? [String: Any] ?? [:]
                var pairs = [("model", result.text("model")), ("latency", "\(result.text("latency_ms")) ms"), ("answer", result.text("text")),
                             ("tokens", usage.isEmpty ? "not reported" : "\(usage.text("prompt_tokens")) in, \(usage.text("completion_tokens")) out"),
                             ("cost", "\(result.text("cost_micros")) micro-dollars")]
                for finding in result["findings"] as? [[String: Any]] ?? [] {
                    pairs.append(("\(finding.text("check")) \(finding.text("tried"))",
                                  "\((finding["accepted"] as? Bool ?? false) ? "yes" : "no"): \(finding.text("detail"))"))
                }
                pairs.append(("structured_output", "\(result.text("structured_output")) (stored)"))
                pairs.append(("tools", "\(Models.yesNo(result["tool_calling"])) (stored)"))
                Output.pairs(pairs)
            }
        }
    }
}
