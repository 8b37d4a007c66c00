import CSystemd

/// Tells systemd about the daemon's state (`Type=notify`): `READY=1` once it serves,
/// `STATUS=` lines, `STOPPING=1` when it drains. Without `NOTIFY_SOCKET` every call is a no-op.
public struct SystemdNotifier: Sendable {
    public init() {}

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ status: String) { send("STATUS=\(status)") }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }

    private func send(_ message: String) {
        _ = sd_notify(0, message)
    }
}
