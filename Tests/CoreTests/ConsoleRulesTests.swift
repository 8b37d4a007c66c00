import Core
import Testing

/// The console's pure parts: form bodies, the run form from an input schema, and charts.
@Suite struct ConsoleRulesTests {
    @Test func formBodiesDecodeAsBrowsersSendThem() {
        let pairs = FormEncoding.decode("login=al%C3%AFce&password=a+b%2Bc%26d%3D&empty=&flag&bad=%zz%4&login=second")
        #expect(pairs.map(\.name) == ["login", "password", "empty", "flag", "bad", "login"])
        #expect(pairs.map(\.value) == ["alïce", "a b+c&d=", "", "", "%zz%4", "second"])
        // The first value of a repeated name wins.
        #expect(FormEncoding.fields("a=1&a=2")["a"] == "1")
        #expect(FormEncoding.fields("").isEmpty)
    }

    @Test func queryEscapingKeepsOnlyUnreservedCharacters() {
        #expect(FormEncoding.escape("/ui/workflows?x=1&y=ä") == "/ui/workflows%3Fx%3D1%26y%3D%C3%A4")
        #expect(FormEncoding.escape("a b") == "a%20b")
        #expect(FormEncoding.fields("v=" + FormEncoding.escape("a\"<>é&=+"))["v"] == "a\"<>é&=+")
    }

    static let schema: JSONValue = [
        "type": "object", "required": ["customer", "count"],
        "properties": [
            "customer": ["type": "string", "description": "Who"],
            "count": ["type": "integer", "default": 3],
            "ratio": ["type": "number"],
            "urgent": ["type": "boolean"],
            "tier": ["enum": ["gold", "silver", 7]],
            "meta": ["type": "object"],
        ],
    ]

    @Test func theRunFormHasOneFieldPerPropertyWithItsControl() {
        let fields = RunForm.fields(for: Self.schema)
        #expect(fields.map(\.name) == ["count", "customer", "meta", "ratio", "tier", "urgent"])
        #expect(fields.map(\.control) == [.integer, .text, .json, .number, .select, .checkbox])
        #expect(fields.filter(\.required).map(\.name) == ["count", "customer"])
        #expect(fields[0].defaultText == "3")
        #expect(fields[1].description == "Who")
        #expect(fields[4].choices == ["gold", "silver", 7])
    }

    @Test func aSchemaWithoutPropertiesIsOneJSONField() throws {
        for schema: JSONValue? in [nil, ["type": "object"], ["type": "object", "properties": [:]]] {
            let fields = RunForm.fields(for: schema)
            #expect(fields.map(\.name) == [RunForm.wholeInput])
            #expect(fields[0].control == .json)
        }
        let fields = RunForm.fields(for: nil)
        #expect(try RunForm.input(fields, values: ["input": #"{"a": [1, 2]}"#]).get() == ["a": [1, 2]])
        #expect(throws: DefinitionError.self) { try RunForm.input(fields, values: ["input": "[1]"]).get() }
    }

    @Test func submittedTextBecomesTypedInput() throws {
        let fields = RunForm.fields(for: Self.schema)
        let input = try RunForm.input(fields, values: ["customer": "ACME", "count": " 12 ", "ratio": "0.5", "urgent": "on", "tier": "7",
                                                       "meta": #"{"k": "v"}"#]).get()
        #expect(input == ["customer": "ACME", "count": 12, "ratio": 0.5, "urgent": true, "tier": 7, "meta": ["k": "v"]])
        // Empty optional fields are left out; an unticked box is false.
        #expect(try RunForm.input(fields, values: ["customer": "x", "count": "1"]).get() == ["customer": "x", "count": 1, "urgent": false])
    }

    @Test func wrongTextIsAnIssueNamingEachField() {
        let fields = RunForm.fields(for: Self.schema)
        let result = RunForm.input(fields, values: ["count": "twelve", "ratio": "nan", "tier": "bronze", "meta": "{"])
        guard case .failure(let error) = result else {
            Issue.record("accepted bad input")
            return
        }
        #expect(error.issues.map(\.path) == ["input.count", "input.customer", "input.meta", "input.ratio", "input.tier"])
        #expect(error.issues.map(\.message) == ["must be a whole number", "is required", "must be JSON", "must be a number",
                                                "must be one of the listed values"])
    }

    @Test func barChartsStackSeriesAndEscapeText() {
        let chart = BarChart(title: "Runs <per> hour", series: [.init("ok", name: "succeeded"), .init("failed", name: "failed")],
                             bars: [.init(label: "10:00", values: [3, 1]), .init(label: "11:00", values: [0, 0]), .init(label: "12\"", values: [8, 0])])
        let svg = chart.svg()
        #expect(svg.contains("<title>Runs &lt;per&gt; hour</title>"))
        #expect(svg.contains("aria-label=\"Runs &lt;per&gt; hour\""))
        #expect(svg.contains("<title>10:00: succeeded 3, failed 1</title>"))
        #expect(svg.contains("12&quot;"))
        // The tallest stack (8) fills the plot: 140 high, 8 top, 18 bottom → 114.
        #expect(svg.contains("height=\"114\""))
        // Zero values draw no rectangle: 3 + 1 + 8 → three.
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 3)
        #expect(!svg.contains("<script"))
    }

    @Test func durationBucketsStepByAboutOnePointFourAndGiveQuantiles() {
        let bounds = DurationBuckets.bounds
        #expect(bounds.prefix(8) == [1, 2, 3, 5, 7, 10, 15, 20])
        #expect(bounds.count == 53)
        #expect(bounds.last == 700_000_000)
        #expect(DurationBuckets.bucket(milliseconds: 0) == 0)
        #expect(DurationBuckets.bucket(milliseconds: 10) == 5)
        #expect(DurationBuckets.bucket(milliseconds: 11) == 6)
        #expect(DurationBuckets.bucket(milliseconds: 800_000_000) == bounds.count)
        for ms: Int64 in [3, 42, 999, 12_345, 5_000_000] {
            let bucket = DurationBuckets.bucket(milliseconds: ms)
            #expect(bounds[bucket] >= ms && (bucket == 0 || bounds[bucket - 1] < ms), "\(ms) in bucket \(bucket)")
        }
        let counts = [DurationBuckets.bucket(milliseconds: 10): 50, DurationBuckets.bucket(milliseconds: 1000): 45,
                      DurationBuckets.bucket(milliseconds: 60_000): 5]
        #expect(DurationBuckets.quantile(0.5, of: counts) == 10)
        #expect(DurationBuckets.quantile(0.51, of: counts) == 1000)
        #expect(DurationBuckets.quantile(0.96, of: counts) == 70_000)
        #expect(DurationBuckets.quantile(0.5, of: [:]) == nil)
        #expect(DurationBuckets.quantile(0.99, of: [bounds.count: 3]) == 700_000_000)
    }

    @Test func anEmptyChartStillDraws() {
        let svg = BarChart(title: "Nothing", series: [.init("ok", name: "ok")], bars: []).svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>"))
        #expect(!svg.contains("<rect"))
    }
}

@Suite struct LineDiffTests {
    @Test func changedLinesPairUpBesideWhatTheyReplaced() throws {
        let rows = try #require(LineDiff.sideBySide("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n"))
        #expect(rows.map(\.kind) == [.same, .changed, .same, .same, .added])
        #expect(rows[1].left == "b" && rows[1].right == "B" && rows[1].leftNumber == 2 && rows[1].rightNumber == 2)
        #expect(rows[4].left == nil && rows[4].right == "e" && rows[4].rightNumber == 5)
    }

    @Test func removalsAndIdenticalTexts() throws {
        let rows = try #require(LineDiff.sideBySide("x\ny\nz", "x\nz"))
        #expect(rows.map(\.kind) == [.same, .removed, .same])
        #expect(rows[1].left == "y" && rows[1].right == nil)
        #expect(try #require(LineDiff.sideBySide("same\n", "same\n")).allSatisfy { $0.kind == .same })
        #expect(try #require(LineDiff.sideBySide("", "")).isEmpty)
        #expect(try #require(LineDiff.sideBySide("", "new")).map(\.kind) == [.added])
    }

    @Test func hugeTextsAreNotCompared() {
        let big = String(repeating: "line\n", count: 3000)
        #expect(LineDiff.sideBySide(big, big + "more\n") == nil)
    }
}
