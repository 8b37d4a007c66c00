/// How the database file is opened. Defaults are the safe choice for an appliance.
public struct DatabaseOptions: Sendable, Hashable {
    /// `FULL` survives power loss without losing a committed transaction; `NORMAL` may lose the
    /// last transactions on power loss (never corrupts) and commits faster.
    public enum Synchronous: String, Sendable, Hashable, CaseIterable {
        case full = "FULL"
        case normal = "NORMAL"
    }

    public var path: String
    public var synchronous: Synchronous
    /// How long a connection waits for a lock held by another process (e.g. `agentctl backup`
    /// or an admin's `sqlite3` shell) before failing. Within agentd no caller waits on a lock:
    /// all writes go through the one `Writer`.
    public var busyTimeoutMilliseconds: Int
    /// Read connections in the pool.
    public var maximumReaders: Int

    public init(path: String, synchronous: Synchronous = .full, busyTimeoutMilliseconds: Int = 5000,
                maximumReaders: Int = 8) {
        self.path = path
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.maximumReaders = maximumReaders
    }
}
