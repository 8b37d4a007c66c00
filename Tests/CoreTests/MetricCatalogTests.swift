import Core
import Foundation
import Testing

/// The metric catalog is the one table of names: conventional, unique, and what docs/metrics.md says.
@Suite struct MetricCatalogTests {
    @Test(arguments: MetricCatalog.all)
    func familiesKeepPrometheusConventions(_ family: MetricFamily) {
        #expect(family.conventionProblems.isEmpty, "\(family.name): \(family.conventionProblems)")
    }

    @Test(arguments: [
        (MetricFamily("agentd_steps_done", .counter, source: .scrape, "x"), "is a counter without _total"),
        (MetricFamily("agentd_queue_total", .gauge, source: .scrape, "x"), "ends in _total but is not a counter"),
        (MetricFamily("agentd_latency_milliseconds", .histogram, source: .event, buckets: [1], "x"), "uses _milliseconds instead of a base unit (seconds, bytes)"),
        (MetricFamily("agentd_size", .gauge, source: .scrape, ""), "has no help text"),
        (MetricFamily("agentd_Size", .gauge, source: .scrape, "x"), "is not snake_case ASCII"),
        (MetricFamily("agentd_wait_seconds", .histogram, source: .event, "x"), "is a histogram without buckets"),
    ])
    func theConventionCheckCatchesEachMistake(_ family: MetricFamily, _ problem: String) {
        #expect(family.conventionProblems.contains(problem), "\(family.conventionProblems)")
    }

    @Test func namesAreUnique() {
        let names = MetricCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(MetricCatalog.family(named: "agentd_http_requests_total") == MetricCatalog.httpRequests)
        #expect(MetricCatalog.family(named: "agentd_nothing") == nil)
    }

    @Test func docsListTheCatalog() throws {
        // Tests/CoreTests/ → the repository's docs/.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        #expect(doc.contains(MetricCatalog.markdownTable),
                "docs/metrics.md must hold the catalog's table; put this in it:\n\n\(MetricCatalog.markdownTable)\n")
    }

    /// The shipped Grafana dashboard and the docs' queries name only families agentd exposes
    /// (a histogram by its `_bucket` series): a renamed metric cannot leave a panel empty.
    @Test func theDashboardAndTheQueriesNameOnlyCataloguedFamilies() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dashboard = try String(contentsOf: root.appendingPathComponent("packaging/grafana/agentd-dashboard.json"), encoding: .utf8)
        let parsed = try JSONParser.parse(dashboard)
        let expressions = (parsed["panels"]?.arrayValue ?? []).flatMap { $0["targets"]?.arrayValue ?? [] }.compactMap { $0["expr"]?.stringValue }
        #expect(expressions.count >= 10)
        let queries = try String(contentsOf: root.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
            .components(separatedBy: "## Queries").last ?? ""
        let known = Set(MetricCatalog.all.flatMap { family in family.kind == .histogram ? [family.name + "_bucket"] : [family.name] })
        for text in expressions + [queries] {
            var names: [String] = []
            var current = ""
            for character in text + " " {
                if character.isLetter || character.isNumber || character == "_" { current.append(character) } else {
                    if current.hasPrefix("agentd_") { names.append(current) }
                    current = ""
                }
            }
            for name in names { #expect(known.contains(name), "\(name) is not a catalogued family (in \(text.prefix(80)))") }
        }
    }

    @Test func samplesAreRenderedWithHelpTypeAndEscapedLabels() {
        var text = ""
        let family = MetricFamily("agentd_things", .gauge, labels: ["name", "kind"], source: .scrape, "Things\\by name.")
        ExpositionText.render(family, [.init(labels: ["a\"b\\c\nd", "x"], 3), .init(labels: ["e", "y"], 0.5)], into: &text)
        #expect(text == """
            # HELP agentd_things Things\\\\by name.
            # TYPE agentd_things gauge
            agentd_things{name="a\\"b\\\\c\\nd",kind="x"} 3
            agentd_things{name="e",kind="y"} 0.5

            """)
        var empty = ""
        ExpositionText.render(family, [], into: &empty)
        #expect(empty.isEmpty)
    }
}
