import Core
import GRDB

/// Which teams' rows a scope sees in its org, as SQL (the rule of `Scope.canSee(org:team:)`):
/// an org admin and an installation scope see every team's rows; anyone else sees rows of no
/// team and of their own teams. One rule for executions, costs and the activity feed.
struct TeamVisibility {
    /// The teams seen; nil when every team is.
    let teams: [String]?

    init(_ scope: Scope) {
        teams = scope.reach == .installation || scope.roles.contains(.admin) ? nil : scope.teams.map(\.rawValue).sorted()
    }

    /// ` AND (column IS NULL OR column IN (?, …))`, or nothing when every team is seen. `none`
    /// is how a row of no team reads: `IS NULL`, or `= ''` where the column holds '' for none.
    func clause(_ column: String, none: String = "IS NULL") -> String {
        guard let teams else { return "" }
        if teams.isEmpty { return " AND \(column) \(none)" }
        return " AND (\(column) \(none) OR \(column) IN (\(Array(repeating: "?", count: teams.count).joined(separator: ", "))))"
    }

    /// The clause's arguments, in order.
    var arguments: [any DatabaseValueConvertible] { teams ?? [] }
}
