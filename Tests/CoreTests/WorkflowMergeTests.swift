import Core
import Testing

/// Three-way merges of workflow documents as tables: clean merges, conflicts by path, renames,
/// edges, deletions against changes, and how resolutions settle conflicts.
@Suite struct WorkflowMergeTests {
    static let base: JSONValue = [
        "workflow": "triage", "timeout_ms": 60_000,
        "nodes": [
            "fetch": ["kind": "http", "config": ["url": "https://crm.internal/t", "timeout_ms": 5000]],
            "classify": ["kind": "transform", "config": ["output": "{{ input }}"]],
            "notify": ["kind": "transform", "config": ["output": 1]],
        ],
        "edges": ["fetch -> classify", "classify -> notify"],
    ]

    /// `base` with `changes` applied: path (dotted) → value, nil removes.
    static func edit(_ document: JSONValue, _ changes: [(String, JSONValue?)]) -> JSONValue {
        var document = document
        for (path, value) in changes { document = set(document, path.split(separator: ".").map(String.init), value) }
        return document
    }

    static func set(_ value: JSONValue, _ path: [String], _ new: JSONValue?) -> JSONValue {
        guard let key = path.first else { return new ?? .null }
        var object = value.objectValue ?? [:]
        if path.count == 1 { object[key] = new } else { object[key] = set(object[key] ?? .object([:]), Array(path.dropFirst()), new) }
        return .object(object)
    }

    @Test(arguments: [
        // (ours, theirs, expected field → value in the merge)
        ([("nodes.fetch.config.timeout_ms", JSONValue.integer(8000))], [("timeout_ms", JSONValue.integer(90_000))],
         [("nodes.fetch.config.timeout_ms", JSONValue.integer(8000)), ("timeout_ms", .integer(90_000))]),
        ([("nodes.fetch.config.timeout_ms", .integer(8000))], [("nodes.fetch.config.url", .string("https://crm2.internal/t"))],
         [("nodes.fetch.config.timeout_ms", .integer(8000)), ("nodes.fetch.config.url", .string("https://crm2.internal/t"))]),
        ([("nodes.fetch.config.timeout_ms", .integer(8000))], [("nodes.fetch.config.timeout_ms", .integer(8000))],
         [("nodes.fetch.config.timeout_ms", .integer(8000))]),
        ([("nodes.audit", ["kind": "transform", "config": ["output": 2]])], [("description", .string("ours and theirs"))],
         [("nodes.audit.kind", .string("transform")), ("description", .string("ours and theirs"))]),
    ] as [([(String, JSONValue?)], [(String, JSONValue?)], [(String, JSONValue?)])])
    func cleanMergesTakeEachSidesChanges(_ ours: [(String, JSONValue?)], _ theirs: [(String, JSONValue?)], _ expected: [(String, JSONValue?)]) {
        let result = WorkflowMerge.merge(base: Self.base, ours: Self.edit(Self.base, ours), theirs: Self.edit(Self.base, theirs))
        #expect(result.conflicts.isEmpty, "\(result.conflicts)")
        for (path, value) in expected { #expect(Self.value(result.merged, path) == value, "\(path)") }
    }

    static func value(_ document: JSONValue, _ path: String) -> JSONValue? {
        path.split(separator: ".").reduce(Optional(document)) { $0?[String($1)] }
    }

    @Test func aFieldChangedDifferentlyIsAConflictAtItsPath_settledByAResolutionOrTake() {
        let ours = Self.edit(Self.base, [("nodes.fetch.config.timeout_ms", .integer(5500)), ("timeout_ms", .integer(1000))])
        let theirs = Self.edit(Self.base, [("nodes.fetch.config.timeout_ms", .integer(8000)), ("timeout_ms", .integer(2000))])
        let open = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs)
        #expect(open.conflicts.map(\.path) == ["timeout_ms", "nodes.fetch.config.timeout_ms"])
        #expect(open.conflicts[1].description == "nodes.fetch.config.timeout_ms: ours 5500, theirs 8000 (was 5000)")
        let one = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs, resolutions: ["nodes.fetch.config.timeout_ms": .theirs])
        #expect(one.conflicts.map(\.path) == ["timeout_ms"] && Self.value(one.merged, "nodes.fetch.config.timeout_ms") == 8000)
        let all = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs, resolutions: ["timeout_ms": .theirs], take: .ours)
        #expect(all.conflicts.isEmpty && all.settled.count == 2)
        #expect(Self.value(all.merged, "timeout_ms") == 2000 && Self.value(all.merged, "nodes.fetch.config.timeout_ms") == 5500)
    }

    @Test func aRenameOnOneSideCarriesTheOtherSidesChangesAndEdges() {
        // theirs renames classify → categorize (same content); ours changes classify's config and adds an edge from it.
        var theirsNodes = Self.base["nodes"]!.objectValue!
        theirsNodes["categorize"] = theirsNodes.removeValue(forKey: "classify")
        let theirs = Self.edit(Self.edit(Self.base, [("nodes", .object(theirsNodes))]),
                               [("edges", ["fetch -> categorize", "categorize -> notify"])])
        let ours = Self.edit(Self.base, [("nodes.classify.config.output", .string("{{ input.ticket }}")),
                                         ("nodes.log", ["kind": "transform", "config": ["output": 0]]),
                                         ("edges", ["fetch -> classify", "classify -> notify", "classify -> log"])])
        let result = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs)
        #expect(result.conflicts.isEmpty, "\(result.conflicts)")
        #expect(Self.value(result.merged, "nodes.classify") == nil)
        #expect(Self.value(result.merged, "nodes.categorize.config.output") == "{{ input.ticket }}")
        #expect(result.merged["edges"] == ["fetch -> categorize", "categorize -> notify", "categorize -> log"])
    }

    @Test func bothSidesRenamingOneNodeDifferentlyIsAConflict() {
        func renamed(_ to: String) -> JSONValue {
            var nodes = Self.base["nodes"]!.objectValue!
            nodes[to] = nodes.removeValue(forKey: "notify")
            return Self.edit(Self.base, [("nodes", .object(nodes)), ("edges", ["fetch -> classify", .string("classify -> \(to)")])])
        }
        let result = WorkflowMerge.merge(base: Self.base, ours: renamed("alert"), theirs: renamed("page"))
        #expect(result.conflicts.map(\.path) == ["nodes.notify"])
        let theirs = WorkflowMerge.merge(base: Self.base, ours: renamed("alert"), theirs: renamed("page"), resolutions: ["nodes.notify": .theirs])
        #expect(theirs.conflicts.isEmpty && Self.value(theirs.merged, "nodes.page") != nil && Self.value(theirs.merged, "nodes.alert") == nil)
        #expect(theirs.merged["edges"] == ["fetch -> classify", "classify -> page"])
    }

    @Test func edgesMergeAsSets_andAnEdgeToARemovedNodeGoes() {
        let ours = Self.edit(Self.base, [("edges", ["fetch -> classify", "classify -> notify", "fetch -> notify"])])
        let theirs = Self.edit(Self.base, [("nodes.notify", nil), ("edges", ["fetch -> classify"])])
        let result = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs)
        #expect(result.conflicts.isEmpty)
        #expect(Self.value(result.merged, "nodes.notify") == nil)
        // ours added fetch -> notify, but notify is gone: the edge goes with it.
        #expect(result.merged["edges"] == ["fetch -> classify"])
    }

    @Test func aNodeRemovedOnOneSideAndChangedOnTheOtherIsAConflict() {
        let ours = Self.edit(Self.base, [("nodes.notify.config.output", .integer(2))])
        let theirs = Self.edit(Self.base, [("nodes.notify", nil), ("edges", ["fetch -> classify"])])
        let result = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs)
        #expect(result.conflicts.map(\.path) == ["nodes.notify"])
        #expect(result.conflicts[0].theirs == nil && result.conflicts[0].description.contains("theirs removed"))
        let removed = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs, take: .theirs)
        #expect(Self.value(removed.merged, "nodes.notify") == nil && removed.merged["edges"] == ["fetch -> classify"])
        // Removed on one side and untouched on the other: removed, no conflict.
        let clean = WorkflowMerge.merge(base: Self.base, ours: Self.base, theirs: theirs)
        #expect(clean.conflicts.isEmpty && Self.value(clean.merged, "nodes.notify") == nil)
    }

    @Test func theSameNodeAddedOnBothSides_differentFieldsMerge_sameFieldsConflict() {
        let ours = Self.edit(Self.base, [("nodes.extra", ["kind": "transform", "config": ["output": 1], "description": "ours"])])
        let theirs = Self.edit(Self.base, [("nodes.extra", ["kind": "transform", "config": ["output": 2], "timeout_ms": 100])])
        let result = WorkflowMerge.merge(base: Self.base, ours: ours, theirs: theirs)
        #expect(result.conflicts.map(\.path) == ["nodes.extra.config.output"])
        #expect(Self.value(result.merged, "nodes.extra.description") == "ours" && Self.value(result.merged, "nodes.extra.timeout_ms") == 100)
    }

    @Test func mergingAVersionWithItselfOrItsBaseChangesNothing() {
        let ours = Self.edit(Self.base, [("nodes.fetch.config.timeout_ms", .integer(8000))])
        #expect(WorkflowMerge.merge(base: Self.base, ours: ours, theirs: Self.base).merged == ours)
        #expect(WorkflowMerge.merge(base: Self.base, ours: Self.base, theirs: ours).merged == ours)
        #expect(WorkflowMerge.merge(base: Self.base, ours: ours, theirs: ours).merged == ours)
    }
}
