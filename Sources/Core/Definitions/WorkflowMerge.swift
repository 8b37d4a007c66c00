/// A three-way structural merge of workflow documents (JSON, as stored): what changed from
/// `base` to `ours` and from `base` to `theirs`, combined. Pure.
///
/// - Objects merge key by key (`nodes.fetch.config.timeout_ms` is one field); anything else is
///   a whole value. A field changed on one side only takes that change; changed alike on both,
///   the common value; changed differently, a conflict at its path.
/// - Nodes are matched across a rename: a node gone from a side whose exact content reappears
///   there under one new ID was renamed, and the other side's changes to it follow it.
/// - Edges are a set: each side's additions and removals apply, and an edge whose node is gone
///   is dropped.
/// - A node removed on one side and changed on the other is a conflict at `nodes.ID`.
///
/// Each conflict is settled by `resolutions[path]`, else by `take`; one settled by neither is
/// returned (the draft holds ours there), and a caller must not store the draft.
public enum WorkflowMerge {
    public enum Side: String, Sendable, Hashable, Codable, CaseIterable {
        case ours, theirs
    }

    /// One place both sides changed differently.
    public struct Conflict: Sendable, Hashable, CustomStringConvertible {
        public let path: String
        public let base: JSONValue?
        public let ours: JSONValue?
        public let theirs: JSONValue?

        public var description: String { "\(path): \(summary)" }

        /// Both sides' values, and what it was: `ours 5500, theirs 8000 (was 5000)`.
        public var summary: String {
            "ours \(Self.show(ours)), theirs \(Self.show(theirs))" + (base.map { " (was \(FieldChange.show($0)))" } ?? "")
        }

        static func show(_ value: JSONValue?) -> String { value.map(FieldChange.show) ?? "removed" }
    }

    public struct Result: Sendable, Hashable {
        /// The merged document (with ours at each unsettled conflict).
        public let merged: JSONValue
        /// Conflicts no resolution settled: empty when `merged` may be stored.
        public let conflicts: [Conflict]
        /// Conflicts a resolution settled, with the side taken.
        public let settled: [(conflict: Conflict, side: Side)]

        public static func == (a: Result, b: Result) -> Bool {
            a.merged == b.merged && a.conflicts == b.conflicts && a.settled.map(\.conflict) == b.settled.map(\.conflict)
                && a.settled.map(\.side) == b.settled.map(\.side)
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(merged) }
    }

    public static func merge(base: JSONValue, ours: JSONValue, theirs: JSONValue, resolutions: [String: Side] = [:], take: Side? = nil) -> Result {
        var state = State(resolutions: resolutions, take: take)
        let baseTop = base.objectValue ?? [:], oursTop = ours.objectValue ?? [:], theirsTop = theirs.objectValue ?? [:]
        var merged: [String: JSONValue] = [:]
        // Top-level fields besides the graph.
        for key in Set(baseTop.keys).union(oursTop.keys).union(theirsTop.keys).subtracting(["nodes", "edges"]).sorted() {
            if let value = state.value(baseTop[key], oursTop[key], theirsTop[key], at: key) { merged[key] = value }
        }
        let baseNodes = baseTop["nodes"]?.objectValue ?? [:], oursNodes = oursTop["nodes"]?.objectValue ?? [:]
        let theirsNodes = theirsTop["nodes"]?.objectValue ?? [:]
        let oursRenames = renames(from: baseNodes, to: oursNodes), theirsRenames = renames(from: baseNodes, to: theirsNodes)
        // A node's name in the result: a side's rename; both renaming it differently is a conflict.
        var names: [String: String] = [:]
        for id in baseNodes.keys.sorted() {
            switch (oursRenames[id], theirsRenames[id]) {
            case (let mine?, let other?) where mine != other:
                let side = state.settle(Conflict(path: IssuePath.join("nodes", id), base: .string(id), ours: .string(mine), theirs: .string(other)))
                names[id] = side == .theirs ? other : mine
            case (let mine?, _): names[id] = mine
            case (nil, let other?): names[id] = other
            case (nil, nil): names[id] = id
            }
        }
        // Each side's nodes by their base identity (a renamed one under its base ID).
        func byIdentity(_ nodes: [String: JSONValue], _ renamed: [String: String]) -> [String: JSONValue] {
            let back = Dictionary(uniqueKeysWithValues: renamed.map { ($1, $0) })
            return Dictionary(uniqueKeysWithValues: nodes.map { (back[$0] ?? $0, $1) })
        }
        let oursByID = byIdentity(oursNodes, oursRenames), theirsByID = byIdentity(theirsNodes, theirsRenames)
        var nodes: [String: JSONValue] = [:]
        for id in Set(baseNodes.keys).union(oursByID.keys).union(theirsByID.keys).sorted() {
            let name = names[id] ?? id
            if let value = state.value(baseNodes[id], oursByID[id], theirsByID[id], at: IssuePath.join("nodes", name)) { nodes[name] = value }
        }
        merged["nodes"] = .object(nodes)
        // Edges as sets, in the result's names.
        let rename = { (edge: String, renamed: [String: String]) -> String in
            guard let (from, to) = endpoints(edge) else { return edge }
            let final = { (node: String) in names[Dictionary(uniqueKeysWithValues: renamed.map { ($1, $0) })[node] ?? node] ?? node }
            return "\(final(from)) -> \(final(to))"
        }
        let baseEdges = Set(edges(baseTop["edges"]).map { rename($0, [:]) })
        let oursList = edges(oursTop["edges"]).map { rename($0, oursRenames) }, theirsList = edges(theirsTop["edges"]).map { rename($0, theirsRenames) }
        let oursEdges = Set(oursList), theirsEdges = Set(theirsList)
        let kept = baseEdges.intersection(oursEdges).intersection(theirsEdges)
            .union(oursEdges.subtracting(baseEdges)).union(theirsEdges.subtracting(baseEdges))
        // In ours' order, then theirs' additions in theirs': a merge that changes no edge keeps the text as it was.
        var seen: Set<String> = [], ordered: [String] = []
        for edge in oursList + theirsList where kept.contains(edge) && seen.insert(edge).inserted
            && (endpoints(edge).map { nodes[$0.0] != nil && nodes[$0.1] != nil } ?? true) {
            ordered.append(edge)
        }
        if !ordered.isEmpty || baseTop["edges"] != nil || oursTop["edges"] != nil || theirsTop["edges"] != nil {
            merged["edges"] = .array(ordered.map(JSONValue.string))
        }
        return Result(merged: .object(merged), conflicts: state.open, settled: state.settled)
    }

    /// Renames from `base` to `side`: a node gone from the side whose exact content is there
    /// under exactly one ID that base does not have.
    static func renames(from base: [String: JSONValue], to side: [String: JSONValue]) -> [String: String] {
        let added = side.filter { base[$0.key] == nil }
        var renamed: [String: String] = [:], taken: Set<String> = []
        for (id, value) in base.sorted(by: { $0.key < $1.key }) where side[id] == nil {
            let matches = added.filter { $0.value == value && !taken.contains($0.key) }.map(\.key)
            if matches.count == 1 {
                renamed[id] = matches[0]
                taken.insert(matches[0])
            }
        }
        return renamed
    }

    /// A document's edges as `from -> to` text (`{from, to}` objects read too).
    static func edges(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap { item in
            if let text = item.stringValue { return endpoints(text).map { "\($0.0) -> \($0.1)" } ?? text }
            if let from = item["from"]?.stringValue, let to = item["to"]?.stringValue { return "\(from) -> \(to)" }
            return nil
        }
    }

    /// `from -> to` read as the parser reads it (`WorkflowParser.parseEdge`).
    static func endpoints(_ edge: String) -> (String, String)? {
        guard let arrow = TextScan.offset(of: "->", in: edge) else { return nil }
        let bytes = Array(edge.utf8)
        let from = String(decoding: bytes[..<arrow], as: UTF8.self).trimmingEdgeSpaces
        let to = String(decoding: bytes[(arrow + 2)...], as: UTF8.self).trimmingEdgeSpaces
        guard !from.isEmpty, !to.isEmpty, !TextScan.contains("->", in: to) else { return nil }
        return (from, to)
    }

    struct State {
        let resolutions: [String: Side]
        let take: Side?
        var open: [Conflict] = []
        var settled: [(conflict: Conflict, side: Side)] = []

        /// The side a conflict takes: its resolution, else `take`, else ours (and it stays open).
        mutating func settle(_ conflict: Conflict) -> Side {
            if let side = resolutions[conflict.path] ?? take {
                settled.append((conflict, side))
                return side
            }
            open.append(conflict)
            return .ours
        }

        /// The merged value at `path` (nil: absent).
        mutating func value(_ base: JSONValue?, _ ours: JSONValue?, _ theirs: JSONValue?, at path: String) -> JSONValue? {
            if ours == theirs { return ours }
            if ours == base { return theirs }
            if theirs == base { return ours }
            // Both changed it: objects merge key by key (an absent base is an empty object).
            if case .object(let mine)? = ours, case .object(let other)? = theirs, base == nil || base?.objectValue != nil {
                let old = base?.objectValue ?? [:]
                var merged: [String: JSONValue] = [:]
                for key in Set(old.keys).union(mine.keys).union(other.keys).sorted() {
                    if let value = value(old[key], mine[key], other[key], at: IssuePath.join(path, key)) { merged[key] = value }
                }
                return .object(merged)
            }
            return settle(Conflict(path: path, base: base, ours: ours, theirs: theirs)) == .theirs ? theirs : ours
        }
    }
}
