/// How urgent a rule's alert is; the names are PagerDuty Events v2's, so they pass through as is.
public enum AlertSeverity: String, CaseIterable, Hashable, Sendable, Codable, Comparable {
    case critical, error, warning, info

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! > allCases.firstIndex(of: rhs)!
    }
}

/// Names of alert rules and channels: 1-64 characters of `a-z 0-9 - _`, starting with a letter.
public enum AlertName {
    public static func violation(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return "must be 1 to 64 characters long" }
        guard (97...122).contains(bytes[0]) else { return "must start with a letter a-z" }
        guard bytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 }) else {
            return "may contain only a-z, 0-9, '-' and '_'"
        }
        return nil
    }
}
