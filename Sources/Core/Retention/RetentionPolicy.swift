/// How long agentd keeps what it records (docs/compliance.md#retention): finished executions, the
/// step payloads inside them (outputs and event data), and the audit log. Nil keeps for ever.
///
/// The site sets the defaults (`[retention]`); an org may have its own periods for executions
/// and payloads (`agentctl orgs retention`). The audit log is one chain for the installation, so
/// its period is the site's alone.
public struct RetentionPolicy: Sendable, Equatable, Codable {
    public var executionsMilliseconds: Int64?
    public var stepPayloadsMilliseconds: Int64?
    public var auditMilliseconds: Int64?

    public init(executionsMilliseconds: Int64?, stepPayloadsMilliseconds: Int64?, auditMilliseconds: Int64?) {
        self.executionsMilliseconds = executionsMilliseconds
        self.stepPayloadsMilliseconds = stepPayloadsMilliseconds
        self.auditMilliseconds = auditMilliseconds
    }

    /// 90 days of executions, 30 of step payloads, 7 years of audit: on from the first start.
    public static let defaults = RetentionPolicy(executionsMilliseconds: 90 * Milliseconds.day, stepPayloadsMilliseconds: 30 * Milliseconds.day,
                                                 auditMilliseconds: 7 * RetentionPeriod.year)

    /// This policy with an org's own periods where it has them.
    public func overridden(by org: RetentionOverride) -> RetentionPolicy {
        var policy = self
        if let executions = org.executions { policy.executionsMilliseconds = executions.milliseconds }
        if let payloads = org.stepPayloads { policy.stepPayloadsMilliseconds = payloads.milliseconds }
        return policy
    }

    /// What is due for removal at `now`: finished before these instants.
    public func cutoffs(now: Instant) -> (executions: Instant?, stepPayloads: Instant?, audit: Instant?) {
        func before(_ period: Int64?) -> Instant? { period.map { now.adding(milliseconds: -$0) } }
        return (before(executionsMilliseconds), before(stepPayloadsMilliseconds), before(auditMilliseconds))
    }
}

/// An org's own periods; nil: the site's.
public struct RetentionOverride: Sendable, Equatable, Codable {
    public var executions: RetentionPeriod?
    public var stepPayloads: RetentionPeriod?

    public init(executions: RetentionPeriod? = nil, stepPayloads: RetentionPeriod? = nil) {
        self.executions = executions
        self.stepPayloads = stepPayloads
    }

    /// Payloads cannot outlive the executions that hold them.
    public func problem(under site: RetentionPolicy) -> String? {
        let effective = site.overridden(by: self)
        // nil is for ever: longer than any period.
        guard let executions = effective.executionsMilliseconds, effective.stepPayloadsMilliseconds ?? .max > executions else { return nil }
        return "step payloads (\(RetentionPeriod(milliseconds: effective.stepPayloadsMilliseconds).text)) cannot be kept longer than the "
            + "executions that hold them (\(RetentionPeriod(milliseconds: executions).text)); shorten step_payloads or lengthen executions"
    }
}

/// A retention period as people write it: `90d`, `12h`, `7y` (365 days), `forever`.
public enum RetentionPeriod: Sendable, Equatable, Codable {
    case forever
    case milliseconds(Int64)

    public static let year = 365 * Milliseconds.day
    /// Shorter periods are mistakes (a step payload gone before anyone read it), except in tests.
    public static let minimum = Milliseconds.second

    public init(milliseconds: Int64?) { self = milliseconds.map { .milliseconds($0) } ?? .forever }

    /// The period, or what is wrong with the text.
    public static func parse(_ text: String) -> Result<RetentionPeriod, RetentionPeriodProblem> {
        let trimmed = text.trimmingSpaces.lowercased()
        if trimmed == "forever" { return .success(.forever) }
        var millis: Int64?
        if trimmed.hasSuffix("y"), let years = Int64(trimmed.dropLast()), years >= 0 {
            let (product, overflow) = years.multipliedReportingOverflow(by: year)
            millis = overflow ? nil : product
        } else {
            millis = TimeFilter.milliseconds(trimmed)
        }
        guard let millis else { return .failure(RetentionPeriodProblem(text: text, reason: "is not a period: write 90d, 12h, 7y or forever")) }
        guard millis >= minimum else { return .failure(RetentionPeriodProblem(text: text, reason: "is shorter than a second; write forever to keep everything")) }
        return .success(.milliseconds(millis))
    }

    public var milliseconds: Int64? {
        if case .milliseconds(let value) = self { return value }
        return nil
    }

    public var text: String {
        guard let value = milliseconds else { return "forever" }
        if value % Self.year == 0 { return "\(value / Self.year)y" }
        return TimeFilter.text(milliseconds: value)
    }
}

public struct RetentionPeriodProblem: Error, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "\"\(text)\" \(reason)" }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
