/// Pictures of a workflow's DAG: Graphviz `dot` text, and a self-contained SVG laid out here
/// (layers left to right, ordered to keep edges short) so no Graphviz is needed on the box.
/// The web console shows the same SVG.
public enum WorkflowGraph {
    public static func dot(_ workflow: WorkflowDefinition, kinds: [String: StepKind]) -> String {
        var lines = ["digraph \(quoted(workflow.name)) {", "  rankdir=LR;", "  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\"];"]
        for node in workflow.nodes {
            let kind = kinds[node.id]
            lines.append("  \(quoted(node.id)) [label=\(quoted(label(node, kind).joined(separator: "\n"))), fillcolor=\(quoted(color(kind)))];")
        }
        for edge in workflow.edges.sorted() { lines.append("  \(quoted(edge.from)) -> \(quoted(edge.to));") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    struct Box {
        let x: Int, y: Int
    }

    static let boxWidth = 190, boxHeight = 46, columnGap = 70, rowGap = 22, margin = 20

    /// `statuses` (node → step status) marks each node with `data-status`, for the console's
    /// execution page to colour.
    public static func svg(_ workflow: WorkflowDefinition, kinds: [String: StepKind], statuses: [String: String] = [:]) -> String {
        let dag = DAG(nodes: workflow.nodes.map(\.id), edges: workflow.edges)
        let layerOf = dag.layers()
        var columns: [[String]] = []
        for node in dag.topologicalOrder() {
            let layer = layerOf[node] ?? 0
            while columns.count <= layer { columns.append([]) }
            columns[layer].append(node)
        }
        // One barycentre sweep: order each column by the mean row of its predecessors.
        var row: [String: Double] = [:]
        for (index, column) in columns.enumerated() {
            if index > 0 {
                columns[index] = column.sorted { a, b in
                    let ka = barycentre(a, dag, row), kb = barycentre(b, dag, row)
                    return ka == kb ? a < b : ka < kb
                }
            }
            for (position, node) in columns[index].enumerated() { row[node] = Double(position) }
        }
        let tallest = columns.map(\.count).max() ?? 1
        var boxes: [String: Box] = [:]
        for (layer, column) in columns.enumerated() {
            let offset = (tallest - column.count) * (boxHeight + rowGap) / 2
            for (position, node) in column.enumerated() {
                boxes[node] = Box(x: margin + layer * (boxWidth + columnGap), y: margin + offset + position * (boxHeight + rowGap))
            }
        }
        let width = margin * 2 + max(1, columns.count) * (boxWidth + columnGap) - columnGap
        let height = margin * 2 + tallest * (boxHeight + rowGap) - rowGap
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="12">
            <title>\(escaped(workflow.name))</title>
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">\
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>

            """
        for edge in workflow.edges.sorted() {
            guard let from = boxes[edge.from], let to = boxes[edge.to] else { continue }
            let x1 = from.x + boxWidth, y1 = from.y + boxHeight / 2, x2 = to.x, y2 = to.y + boxHeight / 2
            let bend = max(20, (x2 - x1) / 2)
            out += "<path class=\"edge\" data-from=\"\(escaped(edge.from))\" data-to=\"\(escaped(edge.to))\" "
                + "d=\"M \(x1) \(y1) C \(x1 + bend) \(y1), \(x2 - bend) \(y2), \(x2) \(y2)\" fill=\"none\" stroke=\"#555\" "
                + "stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n"
        }
        for node in workflow.nodes {
            guard let box = boxes[node.id] else { continue }
            let kind = kinds[node.id]
            let lines = label(node, kind)
            let status = statuses[node.id].map { " data-status=\"\(escaped($0))\"" } ?? ""
            out += "<g class=\"node\" data-node=\"\(escaped(node.id))\"\(status)>"
                + "<rect x=\"\(box.x)\" y=\"\(box.y)\" width=\"\(boxWidth)\" height=\"\(boxHeight)\" rx=\"8\" fill=\"\(color(kind))\" stroke=\"#333\"/>"
                + "<text x=\"\(box.x + 10)\" y=\"\(box.y + 19)\" font-weight=\"bold\">\(escaped(clip(lines[0])))</text>"
                + "<text x=\"\(box.x + 10)\" y=\"\(box.y + 36)\" fill=\"#333\">\(escaped(clip(lines[1])))</text></g>\n"
        }
        return out + "</svg>\n"
    }

    private static func barycentre(_ node: String, _ dag: DAG, _ row: [String: Double]) -> Double {
        let rows = (dag.predecessors[node] ?? []).compactMap { row[$0] }
        return rows.isEmpty ? 0 : rows.reduce(0, +) / Double(rows.count)
    }

    static func label(_ node: WorkflowNode, _ kind: StepKind?) -> [String] {
        let detail = [kind?.rawValue, node.agent?.description].compactMap { $0 }.joined(separator: " · ")
        return [node.id + (node.when == nil ? "" : " (when)"), detail]
    }

    static func color(_ kind: StepKind?) -> String {
        switch kind {
        case .llm: "#dbe8ff"
        case .http: "#e3f5e1"
        case .transform: "#f3f3f3"
        case .exec: "#fde9d9"
        case .approval: "#fff4c2"
        case .workflow: "#ece1f7"
        case .delay: "#e0f4f4"
        case .router: "#f9e0ec"
        case nil: "#ffffff"
        }
    }

    private static func clip(_ text: String) -> String { text.count > 26 ? String(text.prefix(25)) + "…" : text }

    static func escaped(_ text: String) -> String { XMLEscaping.escaped(text) }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\n" { out += "\\n"; continue }
            if character == "\"" || character == "\\" { out += "\\" }
            out.append(character)
        }
        return out + "\""
    }
}
