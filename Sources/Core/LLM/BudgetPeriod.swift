/// How often a budget starts again.
public enum BudgetPeriod: String, CaseIterable, Hashable, Sendable, Codable {
    case monthly, quarterly

    /// The period that contains `time`: [start, end) in UTC, starting on the 1st of a month
    /// (of January, April, July or October for a quarter).
    public func window(containing time: Instant) -> (start: Instant, end: Instant) {
        let (year, month, _) = CivilDate.from(daysSinceEpoch: time.daysSinceEpoch)
        let length = self == .monthly ? 1 : 3
        let first = self == .monthly ? month : (month - 1) / 3 * 3 + 1
        let next = first + length
        let start = CivilDate.daysSinceEpoch(year: year, month: first, day: 1)
        let end = next > 12 ? CivilDate.daysSinceEpoch(year: year + 1, month: next - 12, day: 1)
                            : CivilDate.daysSinceEpoch(year: year, month: next, day: 1)
        return (Instant(daysSinceEpoch: start), Instant(daysSinceEpoch: end))
    }
}

/// The rules of a budget, pure: what an admission decides and which alerts a spend crosses.
public enum BudgetRules {
    /// Percentages of the limit at which an alert is raised, once per period each.
    public static let thresholds = [50, 75, 90, 100]

    public enum Admission: Hashable, Sendable {
        case admit
        /// Over the limit, but the budget allows overage: admitted, and recorded as such.
        case overage
        case refuse(String)
    }

    /// Whether a step whose cost may reach `reservation` may start, with `spent` already spent
    /// in the period and `reserved` held by steps running now. The reservation is what makes
    /// concurrent steps safe: each one counts what the others may still spend.
    public static func admit(limit: Int64, spent: Int64, reserved: Int64, reservation: Int64, allowOverage: Bool,
                             name: String) -> Admission {
        guard spent + reserved + reservation > limit else { return .admit }
        if allowOverage { return .overage }
        return .refuse("the \(name) budget of $\(Money.format(limit)) is used up: $\(Money.format(spent)) spent and "
                       + "$\(Money.format(reserved)) reserved by running steps; this step may cost up to $\(Money.format(reservation)). "
                       + "Raise it with `agentctl budgets set`, or lower max_tokens")
    }

    /// The thresholds a spend crossed going from `before` to `after` (each at most once: the
    /// caller records which were raised in the period).
    public static func crossed(limit: Int64, before: Int64, after: Int64) -> [Int] {
        guard limit > 0, after > before else { return [] }
        return thresholds.filter { threshold in
            let line = limit * Int64(threshold) / 100
            return before < line && after >= line
        }
    }

    /// The thresholds reached at `spent`.
    public static func reached(limit: Int64, spent: Int64) -> [Int] {
        guard limit > 0 else { return [] }
        return thresholds.filter { spent >= limit * Int64($0) / 100 }
    }
}
