/// One field that differs between two versions: its path, and its value before and after
/// (nil where the field is absent).
public struct FieldChange: Hashable, Sendable, Codable, CustomStringConvertible {
    public let path: String
    public let before: JSONValue?
    public let after: JSONValue?

    public init(path: String, before: JSONValue?, after: JSONValue?) {
        self.path = path
        self.before = before
        self.after = after
    }

    public var description: String {
        switch (before, after) {
        case (nil, let after?): "\(path): added \(Self.show(after))"
        case (let before?, nil): "\(path): removed (was \(Self.show(before)))"
        case (let before?, let after?): "\(path): \(Self.show(before)) -> \(Self.show(after))"
        default: path
        }
    }

    static func show(_ value: JSONValue) -> String {
        let text = value.canonicalText
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}

/// Field-level differences of two JSON values. Objects are compared key by key; arrays of the
/// same length element by element; anything else as a whole.
public enum JSONDiff {
    public static func changes(_ before: JSONValue?, _ after: JSONValue?, at path: String) -> [FieldChange] {
        var found: [FieldChange] = []
        collect(before, after, path, &found)
        return found
    }

    private static func collect(_ before: JSONValue?, _ after: JSONValue?, _ path: String, _ found: inout [FieldChange]) {
        guard before != after else { return }
        switch (before, after) {
        case (.object(let old)?, .object(let new)?):
            for key in Set(old.keys).union(new.keys).sorted() { collect(old[key], new[key], IssuePath.join(path, key), &found) }
        case (.array(let old)?, .array(let new)?) where old.count == new.count:
            for index in old.indices { collect(old[index], new[index], IssuePath.join(path, index: index), &found) }
        default:
            found.append(FieldChange(path: path, before: before, after: after))
        }
    }
}

/// What changed from one workflow version to another: top-level fields, nodes added, removed
/// and changed (each with its field changes), and edges added and removed.
public struct WorkflowDiff: Hashable, Sendable, Codable {
    public struct NodeChange: Hashable, Sendable, Codable {
        public let node: String
        public let changes: [FieldChange]
    }

    public let fields: [FieldChange]
    public let nodesAdded: [String]
    public let nodesRemoved: [String]
    public let nodesChanged: [NodeChange]
    public let edgesAdded: [String]
    public let edgesRemoved: [String]

    public var isEmpty: Bool {
        fields.isEmpty && nodesAdded.isEmpty && nodesRemoved.isEmpty && nodesChanged.isEmpty && edgesAdded.isEmpty && edgesRemoved.isEmpty
    }

    public init(from old: WorkflowDefinition, to new: WorkflowDefinition) {
        var oldTop = old.json.objectValue ?? [:], newTop = new.json.objectValue ?? [:]
        for key in ["nodes", "edges"] {
            oldTop[key] = nil
            newTop[key] = nil
        }
        fields = JSONDiff.changes(.object(oldTop), .object(newTop), at: "")
        let oldNodes = Dictionary(uniqueKeysWithValues: old.nodes.map { ($0.id, $0) })
        let newNodes = Dictionary(uniqueKeysWithValues: new.nodes.map { ($0.id, $0) })
        nodesAdded = newNodes.keys.filter { oldNodes[$0] == nil }.sorted()
        nodesRemoved = oldNodes.keys.filter { newNodes[$0] == nil }.sorted()
        nodesChanged = oldNodes.keys.sorted().compactMap { id in
            guard let before = oldNodes[id], let after = newNodes[id], before != after else { return nil }
            return NodeChange(node: id, changes: JSONDiff.changes(before.json, after.json, at: ""))
        }
        let oldEdges = Set(old.edges), newEdges = Set(new.edges)
        edgesAdded = newEdges.subtracting(oldEdges).sorted().map(\.description)
        edgesRemoved = oldEdges.subtracting(newEdges).sorted().map(\.description)
    }

    /// The diff as lines a person reads in a terminal.
    public var lines: [String] {
        var lines: [String] = fields.map { "~ \($0)" }
        lines += nodesAdded.map { "+ node \($0)" }
        lines += nodesRemoved.map { "- node \($0)" }
        for node in nodesChanged {
            lines.append("~ node \(node.node)")
            lines += node.changes.map { "    \($0)" }
        }
        lines += edgesAdded.map { "+ edge \($0)" }
        lines += edgesRemoved.map { "- edge \($0)" }
        return lines
    }
}
