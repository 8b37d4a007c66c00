import Glibc

/// Free space of a file system, for the `disk_free` alert rule.
public enum DiskSpace {
    /// The fraction of `path`'s file system that unprivileged writers may still use; nil when it
    /// cannot be read.
    public static func freeFraction(of path: String) -> Double? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0, stats.f_blocks > 0 else { return nil }
        return Double(stats.f_bavail) / Double(stats.f_blocks)
    }
}
