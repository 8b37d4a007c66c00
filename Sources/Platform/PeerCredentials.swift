#if canImport(Glibc)
import Glibc
#endif

/// Who is at the other end of a Unix socket, as the kernel reports it (`SO_PEERCRED`).
/// Nothing the client sends can change these values.
public struct PeerCredentials: Hashable, Sendable {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// The kernel's `struct ucred`. Swift's Glibc module does not export it (it needs
/// `_GNU_SOURCE`), so its layout is declared here: pid_t, uid_t, gid_t.
public struct UCred: Sendable {
    public var pid: Int32 = 0
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0

    public init() {}

    public var credentials: PeerCredentials { PeerCredentials(pid: pid, uid: uid, gid: gid) }
}

/// Linux's `SO_PEERCRED` option number (Glibc does not export it either).
public let soPeerCred: Int32 = 17
