import Core

/// What alert rules about the installation read, from the parts of the daemon that know it: the
/// API's recent request durations, the writer's queue, the vault, the data directory's file system.
public struct SiteSignals: Sendable {
    /// The 99th percentile of API request durations in seconds over the last window (ms); nil
    /// when no request came.
    public var apiLatencyP99: @Sendable (_ windowMilliseconds: Int64) -> Double?
    /// Seconds the writer has had work queued without committing; 0 when idle.
    public var writerStallSeconds: @Sendable () -> Double
    public var vaultSealed: @Sendable () -> Bool
    /// The free fraction of the database's file system.
    public var diskFree: @Sendable () -> Double?

    public init(apiLatencyP99: @escaping @Sendable (Int64) -> Double? = { _ in nil }, writerStallSeconds: @escaping @Sendable () -> Double = { 0 },
                vaultSealed: @escaping @Sendable () -> Bool = { false }, diskFree: @escaping @Sendable () -> Double? = { nil }) {
        self.apiLatencyP99 = apiLatencyP99
        self.writerStallSeconds = writerStallSeconds
        self.vaultSealed = vaultSealed
        self.diskFree = diskFree
    }
}
