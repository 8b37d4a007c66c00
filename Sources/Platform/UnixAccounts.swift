#if canImport(Glibc)
import Glibc
#endif

/// Look-ups in the system's user and group database (`/etc/passwd`, `/etc/group`, NSS).
public enum UnixAccounts {
    /// The name of a user, or nil if the uid has no entry.
    public static func userName(uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil,
              let name = entry.pw_name else { return nil }
        return String(cString: name)
    }

    /// The gid of a group, or nil if there is no such group.
    public static func groupID(named name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 65_536)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    /// True when the user `uid` (whose primary group is `primaryGID`) belongs to group `gid`,
    /// as primary group or as a supplementary member.
    public static func user(uid: UInt32, primaryGID: UInt32, isMemberOf gid: UInt32) -> Bool {
        if primaryGID == gid { return true }
        guard let name = userName(uid: uid) else { return false }
        var count: Int32 = 256
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primaryGID, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primaryGID, &groups, &count) >= 0 else { return false }
        }
        return groups.prefix(Int(count)).contains(gid)
    }
}
