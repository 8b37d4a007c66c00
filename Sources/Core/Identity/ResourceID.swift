/// A kind of resource that has its own ID prefix (`org_`, `wf_`, …).
public protocol ResourceKind: Sendable {
    /// The prefix without the underscore, e.g. `"org"`.
    static var prefix: String { get }
}

/// A prefixed, time-ordered, random identifier: `org_01JD8Q…`.
///
/// The body is 26 Crockford base32 characters encoding 128 bits: a 48-bit count of
/// milliseconds since the Unix epoch, then 80 random bits (the two top bits are zero).
/// IDs made later sort after IDs made earlier (to the millisecond), so a table ordered by ID
/// is ordered by creation time and cursor pagination needs no second column.
///
/// Time and randomness are arguments: Core never reads the clock.
public struct ResourceID<Kind: ResourceKind>: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The full text form, prefix included.
    public let rawValue: String

    /// Parses an ID's text form; returns nil unless it has this kind's prefix and a valid body.
    /// Lower-case input is accepted and normalised to upper case.
    public init?(_ text: String) {
        let prefix = Kind.prefix + "_"
        guard text.hasPrefix(prefix) else { return nil }
        let body = text.dropFirst(prefix.count).uppercased()
        guard body.count == 26, CrockfordBase32.isValid(body), let first = body.first,
              let high = CrockfordBase32.value(of: first), high < 8 else { return nil }
        self.rawValue = prefix + body
    }

    /// Makes a new ID for `now` with 80 bits from `random`.
    public static func generate(at now: Instant, using random: inout some RandomNumberGenerator) -> Self {
        let millis = UInt64(max(0, now.millisecondsSinceEpoch)) & 0xFFFF_FFFF_FFFF
        let randomHigh = UInt64(random.next() as UInt16)
        let randomLow = random.next() as UInt64
        // 128 bits: [48 time][16 random][64 random]
        let high = (millis << 16) | randomHigh
        let body = CrockfordBase32.encode128(high: high, low: randomLow)
        return Self(unchecked: Kind.prefix + "_" + body)
    }

    /// Makes a new ID with the system's secure random generator.
    public static func generate(at now: Instant) -> Self {
        var generator = SystemRandomNumberGenerator()
        return generate(at: now, using: &generator)
    }

    private init(unchecked: String) { self.rawValue = unchecked }

    /// The creation time encoded in the ID.
    public var instant: Instant {
        let body = rawValue.dropFirst(Kind.prefix.count + 1)
        let (high, _) = CrockfordBase32.decode128(String(body))
        return Instant(millisecondsSinceEpoch: Int64(high >> 16))
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension ResourceID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = Self(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a valid \(Kind.prefix)_ id")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum OrgKind: ResourceKind { public static let prefix = "org" }
public typealias OrgID = ResourceID<OrgKind>

public enum RequestKind: ResourceKind { public static let prefix = "req" }
public typealias RequestID = ResourceID<RequestKind>

public enum UserKind: ResourceKind { public static let prefix = "usr" }
public typealias UserID = ResourceID<UserKind>

public enum APIKeyKind: ResourceKind { public static let prefix = "agk" }
public typealias APIKeyID = ResourceID<APIKeyKind>

public enum TeamKind: ResourceKind { public static let prefix = "team" }
public typealias TeamID = ResourceID<TeamKind>

public enum SessionKind: ResourceKind { public static let prefix = "ags" }
public typealias SessionID = ResourceID<SessionKind>

public enum AgentKind: ResourceKind { public static let prefix = "ag" }
public typealias AgentID = ResourceID<AgentKind>

public enum WorkflowKind: ResourceKind { public static let prefix = "wf" }
public typealias WorkflowID = ResourceID<WorkflowKind>

public enum ExecutionKind: ResourceKind { public static let prefix = "ex" }
public typealias ExecutionID = ResourceID<ExecutionKind>

public enum ModelKind: ResourceKind { public static let prefix = "mdl" }
public typealias ModelID = ResourceID<ModelKind>

public enum BudgetKind: ResourceKind { public static let prefix = "bgt" }
public typealias BudgetID = ResourceID<BudgetKind>

public enum ScheduleKind: ResourceKind { public static let prefix = "sch" }
public typealias ScheduleID = ResourceID<ScheduleKind>
public enum WebhookKind: ResourceKind { public static let prefix = "wh" }
public typealias WebhookID = ResourceID<WebhookKind>
public enum ApprovalKind: ResourceKind { public static let prefix = "apr" }
public typealias ApprovalID = ResourceID<ApprovalKind>
public enum ChangeKind: ResourceKind { public static let prefix = "chg" }
public typealias ChangeID = ResourceID<ChangeKind>
