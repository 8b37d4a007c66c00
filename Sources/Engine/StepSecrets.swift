import Core
import Foundation
import Storage

/// The vault values one step attempt uses: loaded before its templates render (templates are
/// synchronous and pure), offered to `secret()` and as `secrets.NAME`, then scrubbed from
/// everything the step's attempt stores.
struct StepSecrets: Sendable {
    /// Reads the current value of a secret: nil when it does not exist.
    typealias Source = @Sendable (_ org: OrgID, _ environment: DeployEnvironment, _ path: String, _ team: TeamID?) async throws
        -> (value: [UInt8], version: Int)?

    let values: [String: JSONValue]
    let raw: [String: String]
    /// The version read of each path, for the audit.
    let versions: [String: Int]

    static let none = StepSecrets(values: [:], raw: [:], versions: [:])

    /// Loads `paths` in the execution's org and environment (a dev step never sees prod).
    static func load(_ paths: Set<String>, for execution: ExecutionRecord, from source: Source?) async -> Result<StepSecrets, StepError> {
        guard !paths.isEmpty else { return .success(.none) }
        guard let source else { return .failure(StepError(.validation, "this agentd has no vault to read secrets from")) }
        var values: [String: JSONValue] = [:], raw: [String: String] = [:], versions: [String: Int] = [:]
        for path in paths.sorted() {
            do {
                // A team's execution reads its team's secrets and the org's; never another team's.
                guard let (bytes, version) = try await source(execution.orgID, execution.environment, path, execution.teamID) else {
                    return .failure(StepError(.validation, "no secret \(path) in \(execution.environment.rawValue); store it with "
                                              + "`agentctl secrets set \(path) --env \(execution.environment.rawValue)`"))
                }
                let text = String(decoding: bytes, as: UTF8.self)
                raw[path] = text
                versions[path] = version
                if let object = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object = object { values[path] = object } else { values[path] = .string(text) }
            } catch {
                return .failure(StepError(.internal, "secret \(path) could not be opened: \(error)"))
            }
        }
        return .success(StepSecrets(values: values, raw: raw, versions: versions))
    }

    /// For `secret(path, field)`.
    var resolver: TemplateContext.SecretResolver? {
        guard !values.isEmpty else { return nil }
        let values = self.values
        return { path, field in
            guard let value = values[path] else { throw StepError(.validation, "secret \(path) was not loaded for this step") }
            guard let field else { return value }
            guard let fieldValue = value[field] else { throw StepError(.validation, "secret \(path) has no field \(field)") }
            return fieldValue
        }
    }

    /// `secrets.NAME` for the config's `secrets:` map.
    func named(_ names: [String: String]) -> JSONValue {
        .object(names.compactMapValues { values[$0] })
    }

    var isEmpty: Bool { raw.isEmpty }

    /// These secrets and one more value read outside them (a model's API key).
    func adding(_ path: String, value: String) -> StepSecrets {
        var raw = self.raw, values = self.values
        raw[path] = value
        if values[path] == nil { values[path] = .string(value) }
        return StepSecrets(values: values, raw: raw, versions: versions)
    }

    private var scrubber: Scrubber {
        var entries: [Scrubber.Entry] = []
        for (path, text) in raw {
            entries.append(Scrubber.Entry(path: path, value: text))
            for case .string(let field) in (values[path]?.objectValue ?? [:]).values { entries.append(Scrubber.Entry(path: path, value: field)) }
        }
        return Scrubber(entries)
    }

    /// Text with every value used replaced by `[secret:PATH]`.
    func scrub(_ text: String) -> String { raw.isEmpty ? text : scrubber.scrub(text) }

    /// JSON with every value used replaced, in strings and keys.
    func scrub(_ value: JSONValue) -> JSONValue {
        guard !raw.isEmpty else { return value }
        let scrubber = self.scrubber
        func clean(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text): .string(scrubber.scrub(text))
            case .array(let items): .array(items.map(clean))
            case .object(let object): .object(Dictionary(object.map { (scrubber.scrub($0.key), clean($0.value)) }, uniquingKeysWith: { first, _ in first }))
            default: value
            }
        }
        return clean(value)
    }

    /// Replaces every value used (the whole text and each string field) with `[secret:PATH]`.
    func scrub(_ outcome: StepOutcome) -> StepOutcome {
        guard !raw.isEmpty else { return outcome }
        let scrubber = self.scrubber
        func clean(_ value: JSONValue) -> JSONValue { scrub(value) }
        switch outcome {
        case .succeeded(let output, let selected): return .succeeded(clean(output), selected: selected)
        case .failed(let error): return .failed(StepError(error.kind, scrubber.scrub(error.message), retryAfterMs: error.retryAfterMs))
        case .wait(let until, let output): return .wait(untilMs: until, output: clean(output))
        case .approval(let policy, let message): return .approval(policy, message: message.map { scrubber.scrub($0) })
        case .skipped, .child: return outcome
        }
    }
}
