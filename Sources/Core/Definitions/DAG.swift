/// Graph facts about a workflow's nodes and edges: order, cycles, depth, ancestry.
/// Built once per validation; every method is linear or near-linear in nodes + edges.
public struct DAG: Sendable {
    public let nodes: [String]
    public let successors: [String: [String]]
    public let predecessors: [String: [String]]

    public init(nodes: [String], edges: [WorkflowEdge]) {
        self.nodes = nodes
        var successors: [String: [String]] = [:], predecessors: [String: [String]] = [:]
        for edge in Set(edges).sorted() {
            successors[edge.from, default: []].append(edge.to)
            predecessors[edge.to, default: []].append(edge.from)
        }
        self.successors = successors
        self.predecessors = predecessors
    }

    /// A cycle as the node ids along it, first repeated at the end (`a, b, a`), or nil.
    public func cycle() -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        // Iterative DFS: 500 nodes would be fine recursively, but hostile input must not overflow.
        for start in nodes where marks[start] == nil {
            var work: [(String, Int)] = [(start, 0)]
            marks[start] = .visiting
            stack.append(start)
            while let (node, index) = work.last {
                let next = successors[node] ?? []
                if index < next.count {
                    work[work.count - 1].1 += 1
                    let child = next[index]
                    switch marks[child] {
                    case .visiting?:
                        let from = stack.lastIndex(of: child)!
                        return Array(stack[from...]) + [child]
                    case .done?:
                        continue
                    case nil:
                        marks[child] = .visiting
                        stack.append(child)
                        work.append((child, 0))
                    }
                } else {
                    marks[node] = .done
                    stack.removeLast()
                    work.removeLast()
                }
            }
        }
        return nil
    }

    /// Nodes in an order where every node comes after its predecessors (ties by id). Only
    /// meaningful when `cycle()` is nil.
    public func topologicalOrder() -> [String] {
        var remaining = Dictionary(uniqueKeysWithValues: nodes.map { ($0, predecessors[$0]?.count ?? 0) })
        var ready = nodes.filter { remaining[$0] == 0 }.sorted(by: >)
        var order: [String] = []
        while let node = ready.popLast() {
            order.append(node)
            for child in successors[node] ?? [] {
                remaining[child, default: 0] -= 1
                if remaining[child] == 0 {
                    ready.append(child)
                    ready.sort(by: >)
                }
            }
        }
        return order
    }

    /// Each node's layer: 0 for nodes without predecessors, else 1 + the deepest predecessor.
    public func layers() -> [String: Int] {
        var layer: [String: Int] = [:]
        for node in topologicalOrder() {
            layer[node] = (predecessors[node] ?? []).map { (layer[$0] ?? 0) + 1 }.max() ?? 0
        }
        return layer
    }

    /// Every node from which `node` can be reached.
    public func ancestors(of node: String) -> Set<String> {
        var seen = Set<String>()
        var work = predecessors[node] ?? []
        while let next = work.popLast() {
            if seen.insert(next).inserted { work += predecessors[next] ?? [] }
        }
        return seen
    }
}
