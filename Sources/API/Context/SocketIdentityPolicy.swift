import Core
import Platform

/// Which Unix-socket peers are the box's administrators, from the kernel's credentials:
///
/// - uid 0 (root);
/// - any member of `adminGroup` (primary or supplementary group);
/// - in dev mode, the user who started the daemon.
///
/// Administrators act as `admin` of the default org with a scope that reaches the whole
/// installation (they create and delete orgs). Other peers may still be users mapped by uid
/// (`IdentityMiddleware`); `refusal` says how to get access when they are not.
public struct SocketIdentityPolicy: Sendable {
    public let adminGroup: String?
    private let adminGID: UInt32?
    public let devUID: UInt32?
    public let defaultOrg: OrgID

    public init(adminGroup: String?, devUID: UInt32?, defaultOrg: OrgID) {
        self.adminGroup = adminGroup
        // why once: the group's gid is looked up in the group database (NSS); doing it on every
        // socket request cost a file read each. A group created later takes effect at restart.
        self.adminGID = adminGroup.flatMap(UnixAccounts.groupID(named:))
        self.devUID = devUID
        self.defaultOrg = defaultOrg
    }

    /// The socket administrator `peer` is, or nil when it is not one (then a user mapped to its
    /// uid may still be found by the caller).
    public func administrator(for peer: PeerCredentials) -> Caller? {
        let isAdmin = peer.uid == 0 || peer.uid == devUID || isMemberOfAdminGroup(peer)
        guard isAdmin else { return nil }
        return Caller(name: "uid:\(peer.uid)", scope: Scope(orgID: defaultOrg, reach: .installation, roles: [.admin]))
    }

    /// The 401 for a socket peer that is neither an administrator nor a mapped user.
    public func refusal(for peer: PeerCredentials) -> APIError {
        let user = UnixAccounts.userName(uid: peer.uid).map { " (\($0))" } ?? ""
        let how = adminGroup.map { "add the user to the group `\($0)` (server.admin_group)" } ?? "set server.admin_group and add the user to it"
        return .unauthenticated("Socket user uid:\(peer.uid)\(user) is not an agentd administrator nor mapped to an agentd user; "
            + "\(how), map the uid to a user (agentctl users create … --unix-uid \(peer.uid)), or call as root.")
    }

    private func isMemberOfAdminGroup(_ peer: PeerCredentials) -> Bool {
        guard let gid = adminGID else { return false }
        return UnixAccounts.user(uid: peer.uid, primaryGID: peer.gid, isMemberOf: gid)
    }
}
