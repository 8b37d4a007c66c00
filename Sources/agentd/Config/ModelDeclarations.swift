import Core
import TOMLKit

/// `[[models]]` in agentd.toml: model endpoints an admin declares in configuration management
/// rather than through the API. Each names its org; at every start they are created, or brought
/// back to what the file says (audited, actor `config`).
///
/// ```toml
/// [[models]]
/// org = "acme"
/// name = "local-llama"
/// base_url = "http://gpu01:8000/v1"
/// model = "llama-3.1-8b"
/// api_key_secret = "infra/llm-key"
/// input_price = "0.10"     # dollars per million prompt tokens
/// output_price = "0.30"
/// ```
struct ModelDeclaration: Sendable, Equatable {
    let org: String
    let spec: ModelSpec

    static let fields = ["org", "name", "base_url", "model", "api_key_secret", "input_price", "output_price", "timeout_ms"]

    static func read(_ array: TOMLArray) throws(ConfigError) -> [ModelDeclaration] {
        var declared: [ModelDeclaration] = []
        for (index, element) in array.enumerated() {
            let at = "models[\(index)]"
            guard let table = element.table else { throw ConfigError(key: at, reason: "must be a table ([[models]])") }
            for key in table.keys where !fields.contains(key) {
                throw ConfigError(key: "\(at).\(key)", reason: "is not a known key; [[models]] takes \(fields.joined(separator: ", "))")
            }
            func text(_ key: String, required: Bool = true) throws(ConfigError) -> String? {
                guard let value = table[key] else {
                    if required { throw ConfigError(key: "\(at).\(key)", reason: "is required") }
                    return nil
                }
                guard let string = value.string else { throw ConfigError(key: "\(at).\(key)", reason: "must be a string") }
                return string
            }
            func price(_ key: String) throws(ConfigError) -> Int64 {
                guard let value = table[key] else { return 0 }
                let written = value.string ?? value.double.map { String($0) } ?? value.int.map { String($0) }
                guard let written, let micros = Money.parseDollars(written) else {
                    throw ConfigError(key: "\(at).\(key)", reason: "must be dollars per million tokens, such as \"0.10\"")
                }
                return micros
            }
            var timeout = ModelSpec.defaultTimeoutMs
            if let value = table["timeout_ms"] {
                guard let number = value.int else { throw ConfigError(key: "\(at).timeout_ms", reason: "must be an integer") }
                timeout = number
            }
            let spec = ModelSpec(name: try text("name") ?? "", baseURL: try text("base_url") ?? "", model: try text("model") ?? "",
                                 apiKeySecret: try text("api_key_secret", required: false),
                                 price: ModelPrice(input: try price("input_price"), output: try price("output_price")), timeoutMs: timeout)
            if let violation = spec.violations.first { throw ConfigError(key: "\(at).\(violation.field)", reason: violation.message) }
            declared.append(ModelDeclaration(org: try text("org") ?? "", spec: spec))
        }
        return declared
    }
}
