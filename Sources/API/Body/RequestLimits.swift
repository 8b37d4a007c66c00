/// Bounds on what a request may carry.
public struct RequestLimits: Sendable, Hashable {
    public var maxBodyBytes: Int
    public var maxJSONDepth: Int

    public init(maxBodyBytes: Int = 1 << 20, maxJSONDepth: Int = 32) {
        self.maxBodyBytes = maxBodyBytes
        self.maxJSONDepth = maxJSONDepth
    }
}
