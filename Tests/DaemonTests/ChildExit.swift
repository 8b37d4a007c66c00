import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the kernel says about a child process, without reaping it.
enum ChildExit {
    /// The exit status (or the terminating signal, as `Process.terminationStatus` reports it)
    /// if the child has ended; nil while it runs or once it has been reaped.
    static func peek(_ pid: Int32) -> Int32? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return nil }
        let child = info._sifields._sigchld
        guard child.si_pid == pid else { return nil }  // still running
        switch info.si_code {
        case Int32(CLD_EXITED), Int32(CLD_KILLED), Int32(CLD_DUMPED): return child.si_status
        default: return nil
        }
    }

    /// Waits, polling, until `process` has ended; its exit status, or nil at the deadline.
    /// Asks the kernel (`waitid` with `WNOWAIT`, which leaves the child for Foundation to reap)
    /// as well as `Process`, whose `isRunning` can stay true long after the exit (see `runProgram`).
    static func wait(for process: Process, timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        let pid = process.processIdentifier
        while process.isRunning {
            if let status = peek(pid) { return status }
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    /// True only while `pid` is a child of this process that has not ended: never for a pid
    /// already reaped (and perhaps reused by some other process).
    static func isRunning(_ pid: Int32) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return false }
        return info._sifields._sigchld.si_pid == 0
    }

    /// The process's state line from /proc, for a failure message ("State: S (sleeping)").
    static func describe(_ pid: Int32) -> String {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return "no /proc entry" }
        let state = status.split(separator: "\n").first { $0.hasPrefix("State:") } ?? "State: ?"
        let threads = status.split(separator: "\n").first { $0.hasPrefix("Threads:") } ?? ""
        return "\(state), \(threads)"
    }
}
