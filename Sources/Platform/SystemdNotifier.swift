import CSystemd

/// Tells systemd about the daemon's state (`Type=notify`): `READY=1` once it serves,
/// `STATUS=` lines, `STOPPING=1` when it drains. Without `NOTIFY_SOCKET` every call is a no-op.
public struct SystemdNotifier: Sendable {
    public init() {}

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ status: String) { send("STATUS=\(status)") }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }

    /// `WATCHDOG=1`: the service is alive (with `WatchdogSec=`, systemd restarts it when these
    /// stop coming).
    public func watchdog() { send("WATCHDOG=1") }

    /// How often systemd expects `WATCHDOG=1` (`WATCHDOG_USEC`), or nil when it does not.
    public func watchdogInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        // clamping: a WATCHDOG_USEC beyond Int64 must not trap the start.
        return .microseconds(Int64(clamping: microseconds))
    }

    /// Any other notify message (`RELOADING=1`, …).
    public func send(_ message: String) {
        _ = sd_notify(0, message)
    }
}
