/// An environment of an org (docs/governance.md#environments): where a workflow version is
/// deployed, whose secrets a step reads (a step in one never reads another's) and whose
/// settings apply. `dev`, `staging` and `prod` exist in every org; an org adds its own (`qa`,
/// `prod-eu`). A value only says the name is well formed; whether an org has it is the
/// environment store's to say.
public struct DeployEnvironment: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// A name: 1-32 characters of `a-z 0-9 -`, starting with a letter, not ending with `-`;
    /// not `none` or `diff`.
    public init?(rawValue: String) {
        guard Self.violation(rawValue) == nil else { return nil }
        self.rawValue = rawValue
    }

    public static let dev = DeployEnvironment(known: "dev")
    public static let staging = DeployEnvironment(known: "staging")
    public static let prod = DeployEnvironment(known: "prod")
    /// The three every org has, in promotion order; they cannot be deleted.
    public static let builtIn: [DeployEnvironment] = [.dev, .staging, .prod]

    private init(known: String) { rawValue = known }

    public var isBuiltIn: Bool { Self.builtIn.contains(self) }
    public var description: String { rawValue }

    /// Built-in ones first in promotion order, then the rest by name.
    public static func < (lhs: DeployEnvironment, rhs: DeployEnvironment) -> Bool {
        let left = builtIn.firstIndex(of: lhs) ?? builtIn.count, right = builtIn.firstIndex(of: rhs) ?? builtIn.count
        return left != right ? left < right : lhs.rawValue < rhs.rawValue
    }

    /// What is wrong with `name` as an environment's name, or nil.
    public static func violation(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard (1...32).contains(bytes.count) else { return "must be 1 to 32 characters long" }
        guard (97...122).contains(bytes[0]) else { return "must start with a letter a-z" }
        guard bytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }) else {
            return "may contain only a-z, 0-9 and '-'"
        }
        guard bytes.last != 45 else { return "must not end with '-'" }
        // why: `--deploy none` means "deploy nowhere"; /environments/diff is a route of its own.
        guard name != "none", name != "diff" else { return "\(name) is reserved and cannot name an environment" }
        return nil
    }

    /// The JSON schema of a name (what `violation` checks).
    public static let namePattern = "^(?!(none|diff)$)[a-z]([a-z0-9-]{0,30}[a-z0-9])?$"

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let environment = DeployEnvironment(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an environment name: \(text)"))
        }
        self = environment
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
