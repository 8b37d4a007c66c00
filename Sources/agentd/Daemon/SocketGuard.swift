#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Platform

/// Checks a Unix socket path before binding: binding removes a stale socket file, so without
/// this check a second agentd would silently take the socket from a running one.
enum SocketGuard {
    /// True when something accepts connections at `path`.
    static func isServed(_ path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let result = UnixSocketAddress.with(path) { address, length in connect(fd, address, length) }
        return result == 0
    }
}
