import Core

/// Reads an environment's name from a body field or a query parameter. Only the form is
/// checked here; whether the org has the environment, the store checks in the unit that uses it.
enum EnvironmentName {
    static func parse(_ text: String?, field: String) throws -> DeployEnvironment {
        guard let text else { throw ValidationError(field: field, "is required: dev, staging, prod or an environment the org added") }
        guard let environment = DeployEnvironment(rawValue: text) else {
            throw ValidationError(field: field, "\(DeployEnvironment.violation(text) ?? "is not an environment's name"): dev, staging, prod "
                                  + "or an environment the org added (agentctl envs list)")
        }
        return environment
    }

    static func query(_ text: Substring?, name: String) throws -> DeployEnvironment? {
        guard let text else { return nil }
        guard let environment = DeployEnvironment(rawValue: String(text)) else {
            throw APIError.invalidParameter(name: name, "\(DeployEnvironment.violation(String(text)) ?? "is not an environment's name"): "
                                            + "dev, staging, prod or an environment the org added")
        }
        return environment
    }

    /// The name of an environment to add.
    static func new(_ text: String, field: String) throws -> DeployEnvironment {
        guard let environment = DeployEnvironment(rawValue: text) else {
            throw ValidationError(field: field, "\(DeployEnvironment.violation(text) ?? "is not an environment's name") "
                                  + "(1-32 characters of a-z 0-9 -, starting with a letter, e.g. qa or prod-eu)")
        }
        return environment
    }

    /// A `deploy` field: an environment, or `none` (nil).
    static func deploy(_ text: String, field: String = "deploy") throws -> DeployEnvironment? {
        text == "none" ? nil : try parse(text, field: field)
    }
}
