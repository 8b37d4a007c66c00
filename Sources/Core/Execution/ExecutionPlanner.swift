/// Which nodes of an execution move next, as pure functions of the graph and the step statuses
/// (DESIGN §5). The engine applies the result in the same transaction that recorded the step.
///
/// Rules: a node becomes ready when every predecessor is terminal and at least one of them
/// succeeded (a node without predecessors is ready at the start); when every predecessor was
/// skipped, it is skipped too, and so on down the graph. A router's successors that it did not
/// select are skipped at once. `when` is evaluated by the worker as the step starts (a false
/// `when` completes the step as skipped). A failed step fails the execution; the other
/// unfinished steps are cancelled.
public enum ExecutionPlanner {
    public struct Moves: Hashable, Sendable {
        public var ready: [String] = []
        public var skipped: [String] = []
    }

    /// The nodes ready when an execution starts.
    public static func roots(_ dag: DAG) -> [String] {
        dag.nodes.filter { (dag.predecessors[$0] ?? []).isEmpty }.sorted()
    }

    /// After `node` succeeded or was skipped (`statuses` already says so): what becomes ready and
    /// what is skipped. `selected` is a router's choice of successors (nil for other kinds).
    public static func advance(_ dag: DAG, statuses: [String: StepStatus], completed node: String, selected: Set<String>?) -> Moves {
        var statuses = statuses
        var moves = Moves()
        var work: [String] = []
        if let selected {
            for successor in dag.successors[node] ?? [] where !selected.contains(successor) && statuses[successor] == .pending {
                statuses[successor] = .skipped
                moves.skipped.append(successor)
                work.append(successor)
            }
        }
        work.append(node)
        while let current = work.popLast() {
            for successor in dag.successors[current] ?? [] where statuses[successor] == .pending {
                let predecessors = dag.predecessors[successor] ?? []
                let states = predecessors.map { statuses[$0] ?? .pending }
                guard states.allSatisfy(\.isTerminal) else { continue }
                if states.contains(.succeeded) {
                    statuses[successor] = .ready
                    moves.ready.append(successor)
                } else {
                    statuses[successor] = .skipped
                    moves.skipped.append(successor)
                    work.append(successor)
                }
            }
        }
        moves.ready.sort()
        return moves
    }

    /// The execution's outcome once nothing is left to run; nil while something is.
    public static func outcome(_ statuses: [String: StepStatus]) -> ExecutionStatus? {
        guard statuses.values.allSatisfy(\.isTerminal) else { return nil }
        if statuses.values.contains(.failed) { return .failed }
        if statuses.values.contains(.cancelled) { return .cancelled }
        return .succeeded
    }
}
