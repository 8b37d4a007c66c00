import Core

/// Bounds on secrets.
public struct VaultLimits: Sendable, Hashable {
    public var maximumValueBytes: Int
    public init(maximumValueBytes: Int = SecretRules.defaultMaximumValueBytes) { self.maximumValueBytes = maximumValueBytes }
}
