import Core
import TOMLKit

/// `[egress]` entries as the engine takes them, and `[egress.orgs.NAME]`:
///
/// ```toml
/// [egress]
/// allow = ["10.0.0.0/8", "*.corp.example"]   # when set, nothing else
/// deny = ["10.9.0.0/16", "hr.corp.example"]
///
/// [egress.orgs.acme]                          # this org only; it can only narrow
/// allow = ["10.20.0.0/16"]
/// deny = ["10.20.5.0/24"]
/// ```
enum EgressConfig {
    static func rules(_ entries: [String]) throws(Rule) -> [EgressRule] {
        var rules: [EgressRule] = []
        for entry in entries {
            do { rules.append(try EgressRule.parse(entry)) } catch { throw Rule(error.description) }
        }
        return rules
    }

    static func orgs(_ raw: any TOMLValueConvertible) throws(ConfigError) -> [String: EgressRules] {
        guard let table = raw.table else { throw ConfigError(key: "egress.orgs", reason: "must be tables: [egress.orgs.NAME]") }
        var orgs: [String: EgressRules] = [:]
        for org in table.keys.sorted() {
            let at = "egress.orgs.\(org)"
            guard let lists = table[org]?.table else { throw ConfigError(key: at, reason: "must be a table with allow and/or deny") }
            var rules = EgressRules()
            for name in lists.keys.sorted() {
                guard name == "allow" || name == "deny" else { throw ConfigError(key: "\(at).\(name)", reason: "is not a known key; [\(at)] takes allow, deny") }
                guard let array = lists[name]?.array, case let entries = array.compactMap(\.string), entries.count == array.count else {
                    throw ConfigError(key: "\(at).\(name)", reason: "must be an array of strings")
                }
                let parsed: [EgressRule]
                do { parsed = try Self.rules(entries) } catch { throw ConfigError(key: "\(at).\(name)", reason: error.text) }
                if name == "allow" { rules.allow = parsed } else { rules.deny = parsed }
            }
            orgs[org] = rules
        }
        return orgs
    }
}
