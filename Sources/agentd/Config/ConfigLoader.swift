import Core
import Foundation
import TOMLKit

/// Reads configuration: defaults, then a TOML file, then `AGENTD_SECTION_KEY` variables.
/// Every problem is a `ConfigError` naming the key as the file spells it.
enum ConfigLoader {
    /// Loads `file` (if given) over `base`, then the environment. A missing file is an error
    /// only when `requireFile` is true (dev mode needs none).
    static func load(file: String?, requireFile: Bool, base: Config,
                     environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> Config {
        var config = base
        if let file {
            if FileManager.default.fileExists(atPath: file) {
                let text: String
                do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                    throw ConfigError(key: file, reason: "cannot be read: \(error.localizedDescription)")
                }
                do { try apply(toml: text, to: &config) } catch {
                    throw ConfigError(key: "\(file): \(error.key)", reason: error.reason)
                }
            } else if requireFile {
                throw ConfigError(key: file, reason: "does not exist; create it (see docs/configuration.md)")
            }
        }
        try apply(environment: environment, to: &config)
        if let problem = RetentionOverride().problem(under: config.retention.policy) {
            throw ConfigError(key: "retention.step_payloads", reason: problem)
        }
        return config
    }

    static func apply(toml text: String, to config: inout Config) throws(ConfigError) {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw ConfigError(key: "(file)", reason: "is not valid TOML: \(error.description) at line \(error.source.begin.line), column \(error.source.begin.column)")
        } catch {
            throw ConfigError(key: "(file)", reason: "is not valid TOML")
        }
        for section in table.keys.sorted() {
            if section == "models" {
                guard let array = table[section]?.array else { throw ConfigError(key: "models", reason: "must be an array of tables: [[models]]") }
                config.models = try ModelDeclaration.read(array)
                continue
            }
            guard ConfigKeys.sections.contains(section), let values = table[section]?.table else {
                throw ConfigError(key: section, reason: "is not a known section; known: \(ConfigKeys.sections.sorted().joined(separator: ", "))")
            }
            for name in values.keys.sorted() {
                // `[egress.orgs.NAME]`: a table of tables, not a key (file only, like [[models]]).
                if section == "egress", name == "orgs", let raw = values[name] {
                    config.egress.orgs = try EgressConfig.orgs(raw)
                    continue
                }
                guard let key = ConfigKeys.key(section: section, name: name) else {
                    let known = ConfigKeys.all.filter { $0.section == section }.map(\.name).joined(separator: ", ")
                    throw ConfigError(key: "\(section).\(name)", reason: "is not a known key; [\(section)] takes \(known)")
                }
                guard let raw = values[name] else { continue }
                try key.apply(value(of: raw), &config)
            }
        }
    }

    /// `AGENTD_SECTION_KEY=value` overrides `[section] key`. A variable that names a known section
    /// but no known key is an error, so that a typo does not go unnoticed.
    static func apply(environment: [String: String], to config: inout Config) throws(ConfigError) {
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("AGENTD_") {
            if let key = ConfigKeys.all.first(where: { $0.environmentName == variable }) {
                try key.apply(.text(value), &config)
            } else if ConfigKeys.sections.contains(where: { variable.hasPrefix("AGENTD_\($0.uppercased())_") }) {
                throw ConfigError(key: variable, reason: "is not a known setting; see docs/configuration.md")
            }
        }
    }

    private static func value(of raw: any TOMLValueConvertible) -> ConfigValue {
        if let text = raw.string { return .string(text) }
        if let number = raw.int { return .int(number) }
        if let flag = raw.bool { return .bool(flag) }
        if let array = raw.array {
            let strings = array.compactMap(\.string)
            if strings.count == array.count { return .strings(strings) }
        }
        return .other("a TOML \(raw.type)")
    }
}
