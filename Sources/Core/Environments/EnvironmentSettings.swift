/// What an environment changes about the executions that run in it (docs/governance.md#environments).
/// Stored as the JSON an admin sets (`agentctl envs set`); every part is optional.
public struct EnvironmentSettings: Sendable, Hashable {
    /// An llm step that names a model on the left uses the one on the right here (dev runs on a
    /// small local model, prod on the large one, with one workflow definition).
    public var models: [String: String]
    /// Lists that narrow the site's and the org's egress policy for steps here (http steps and
    /// model calls): they come after the org's, and their `allow` lifts nothing.
    public var egress: EgressRules?
    /// At most this many executions of the org run here at once; more wait `queued`.
    public var concurrency: Int?
    /// Deploys and secret writes here are held like prod's (`deploy.prod`, `secret.prod`
    /// change policies). `prod` is always protected.
    public var protected: Bool

    public init(models: [String: String] = [:], egress: EgressRules? = nil, concurrency: Int? = nil, protected: Bool = false) {
        self.models = models
        self.egress = egress
        self.concurrency = concurrency
        self.protected = protected
    }

    public static let maximumConcurrency = 100_000

    /// The model an llm step naming `name` uses here.
    public func model(for name: String) -> String { models[name] ?? name }

    /// Reads settings as the API takes them: `{"models": {"big": "small"}, "egress": {"allow":
    /// [...], "deny": [...]}, "concurrency": 4, "protected": true}`. Every problem is reported,
    /// under its field's path.
    public static func parse(_ json: JSONValue) throws(ValidationError) -> EnvironmentSettings {
        guard let object = json.objectValue else { throw ValidationError(field: "settings", "must be an object") }
        var settings = EnvironmentSettings()
        var violations: [FieldViolation] = []
        for key in object.keys.sorted() where !["models", "egress", "concurrency", "protected"].contains(key) {
            violations.append(FieldViolation(field: "settings.\(key)", message: "is not a setting (models, egress, concurrency, protected)"))
        }
        if let models = object["models"], models != .null {
            if let pairs = models.objectValue {
                for (from, to) in pairs.sorted(by: { $0.key < $1.key }) {
                    guard let target = to.stringValue, !target.isEmpty, target.count <= 100, !from.isEmpty, from.count <= 100 else {
                        violations.append(FieldViolation(field: "settings.models.\(from)", message: "must name a model (1-100 characters)"))
                        continue
                    }
                    settings.models[from] = target
                }
                if pairs.count > 100 { violations.append(FieldViolation(field: "settings.models", message: "may map at most 100 models")) }
            } else {
                violations.append(FieldViolation(field: "settings.models", message: "must be an object: {\"model a step names\": \"model to use here\"}"))
            }
        }
        if let egress = object["egress"], egress != .null {
            if let lists = egress.objectValue {
                var rules = EgressRules()
                for key in lists.keys.sorted() where key != "allow" && key != "deny" {
                    violations.append(FieldViolation(field: "settings.egress.\(key)", message: "is not a list (allow, deny)"))
                }
                for (key, keyPath) in [("allow", \EgressRules.allow), ("deny", \EgressRules.deny)] {
                    guard let list = lists[key], list != .null else { continue }
                    guard let entries = list.arrayValue, entries.count <= 1000 else {
                        violations.append(FieldViolation(field: "settings.egress.\(key)", message: "must be a list of at most 1000 CIDRs and host names"))
                        continue
                    }
                    for (index, entry) in entries.enumerated() {
                        do {
                            guard let text = entry.stringValue else { throw CIDR.Malformed(description: "must be a string") }
                            rules[keyPath: keyPath].append(try EgressRule.parse(text))
                        } catch {
                            violations.append(FieldViolation(field: "settings.egress.\(key)[\(index)]", message: "\(error)"))
                        }
                    }
                }
                settings.egress = rules.allow.isEmpty && rules.deny.isEmpty ? nil : rules
            } else {
                violations.append(FieldViolation(field: "settings.egress", message: "must be an object: {\"allow\": [...], \"deny\": [...]}"))
            }
        }
        if let concurrency = object["concurrency"], concurrency != .null {
            if case .integer(let limit) = concurrency, (1...maximumConcurrency).contains(limit) {
                settings.concurrency = limit
            } else {
                violations.append(FieldViolation(field: "settings.concurrency", message: "must be a whole number from 1 to \(maximumConcurrency)"))
            }
        }
        if let protected = object["protected"], protected != .null {
            if case .bool(let value) = protected { settings.protected = value } else {
                violations.append(FieldViolation(field: "settings.protected", message: "must be true or false"))
            }
        }
        guard violations.isEmpty else { throw ValidationError(violations) }
        return settings
    }

    /// The stored and answered form (what `parse` reads).
    public var json: JSONValue {
        var object: [String: JSONValue] = ["protected": .bool(protected)]
        object["models"] = .object(models.mapValues(JSONValue.string))
        object["egress"] = egress.map { ["allow": .array($0.allow.map { .string($0.description) }), "deny": .array($0.deny.map { .string($0.description) })] } ?? .null
        object["concurrency"] = concurrency.map(JSONValue.integer) ?? .null
        return .object(object)
    }

    /// What differs between `self` and `other`, by setting, as `{setting: {before, after}}`.
    public func difference(to other: EnvironmentSettings) -> [String: (before: JSONValue, after: JSONValue)] {
        let before = json.objectValue ?? [:], after = other.json.objectValue ?? [:]
        var changed: [String: (before: JSONValue, after: JSONValue)] = [:]
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            changed[key] = (before[key] ?? .null, after[key] ?? .null)
        }
        return changed
    }
}
