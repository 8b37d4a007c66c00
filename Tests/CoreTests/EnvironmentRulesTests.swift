import Core
import Testing

/// Environments as tables: which names are environments', how settings read (and every
/// problem they have), and how an environment's egress lists narrow the policy.
@Suite struct EnvironmentRulesTests {
    @Test(arguments: [
        ("dev", true), ("qa", true), ("prod-eu", true), ("a", true), ("x1", true), (String(repeating: "a", count: 32), true),
        ("", false), ("QA", false), ("1qa", false), ("-qa", false), ("qa-", false), ("q_a", false), ("q a", false), ("none", false),
        ("diff", false), (String(repeating: "a", count: 33), false), ("prod/eu", false), ("é", false),
    ])
    func aNameIsAnEnvironmentsOnlyInItsForm(_ name: String, _ valid: Bool) {
        #expect((DeployEnvironment(rawValue: name) != nil) == valid, "\(name)")
        #expect((DeployEnvironment.violation(name) == nil) == valid, "\(name)")
    }

    @Test func builtInOnesComeFirstInPromotionOrder() {
        let names = ["zeta", "prod", "qa", "dev", "staging"].compactMap(DeployEnvironment.init(rawValue:)).sorted().map(\.rawValue)
        #expect(names == ["dev", "staging", "prod", "qa", "zeta"])
        #expect(DeployEnvironment.prod.isBuiltIn && !DeployEnvironment(rawValue: "qa")!.isBuiltIn)
    }

    @Test func settingsReadWhatTheyHoldAndWriteItBack() throws {
        let settings = try EnvironmentSettings.parse(try JSONParser.parse(
            #"{"models": {"large": "small"}, "egress": {"allow": ["10.0.0.0/8"], "deny": ["*.prod.corp"]}, "concurrency": 4, "protected": true}"#))
        #expect(settings.model(for: "large") == "small" && settings.model(for: "other") == "other")
        #expect(settings.concurrency == 4 && settings.protected)
        #expect(settings.egress?.allow.map(\.description) == ["10.0.0.0/8"] && settings.egress?.deny.map(\.description) == ["*.prod.corp"])
        #expect(try EnvironmentSettings.parse(settings.json) == settings)
        #expect(try EnvironmentSettings.parse(["models": .null, "egress": .null, "concurrency": .null]) == EnvironmentSettings())
        #expect(try EnvironmentSettings.parse(["egress": ["allow": [], "deny": []]]).egress == nil)
    }

    @Test(arguments: [
        (#"[]"#, ["settings"]),
        (#"{"colour": 1}"#, ["settings.colour"]),
        (#"{"models": ["a"]}"#, ["settings.models"]),
        (#"{"models": {"a": 1, "b": ""}}"#, ["settings.models.a", "settings.models.b"]),
        (#"{"egress": {"allow": ["10.0.0.0/33", "ok.corp"], "deny": [7], "block": []}}"#,
         ["settings.egress.block", "settings.egress.allow[0]", "settings.egress.deny[0]"]),
        (#"{"concurrency": 0}"#, ["settings.concurrency"]),
        (#"{"concurrency": 1.5}"#, ["settings.concurrency"]),
        (#"{"protected": "yes"}"#, ["settings.protected"]),
    ])
    func everyProblemIsReportedUnderItsField(_ text: String, _ fields: [String]) throws {
        #expect(throws: ValidationError.self) { try EnvironmentSettings.parse(try JSONParser.parse(text)) }
        do {
            _ = try EnvironmentSettings.parse(try JSONParser.parse(text))
        } catch let error as ValidationError {
            #expect(error.violations.map(\.field) == fields, "\(text): \(error.violations)")
        }
    }

    @Test func theDifferenceNamesEachChangedSetting() throws {
        let before = EnvironmentSettings(concurrency: 2)
        let after = EnvironmentSettings(models: ["a": "b"], concurrency: 2, protected: true)
        let difference = before.difference(to: after)
        #expect(Set(difference.keys) == ["models", "protected"])
        #expect(difference["protected"]?.before == .bool(false) && difference["protected"]?.after == .bool(true))
        #expect(before.difference(to: before).isEmpty)
    }

    @Test func anEnvironmentsEgressListsOnlyNarrow() throws {
        let site = try EgressRules.parse(allow: ["10.0.0.0/8"], deny: [])
        let qa = EgressPolicy.OrgRules(name: "qa", rules: try EgressRules.parse(allow: ["10.1.0.0/16"], deny: ["10.1.9.0/24"]))
        let policy = EgressPolicy(site: site, environment: qa)
        let ip = { (text: String) in IPAddress(text)! }
        #expect(policy.decide(host: "10.1.2.3", address: ip("10.1.2.3"), port: 443) == .allowed)
        #expect(policy.decide(host: "10.1.9.3", address: ip("10.1.9.3"), port: 443) == .denied(rule: "environment qa's egress deny \"10.1.9.0/24\""))
        #expect(policy.decide(host: "10.2.0.1", address: ip("10.2.0.1"), port: 443) == .denied(rule: "not on environment qa's egress allow"))
        // Its allow lifts nothing the site refuses.
        let lifting = EgressPolicy(site: site, environment: EgressPolicy.OrgRules(name: "qa", rules: try EgressRules.parse(allow: ["192.168.0.0/16"], deny: [])))
        #expect(lifting.decide(host: "192.168.1.1", address: ip("192.168.1.1"), port: 443) == .denied(rule: "not on egress.allow"))
        #expect(lifting.decide(host: "127.0.0.1", address: ip("127.0.0.1"), port: 443) != .allowed)
    }
}
