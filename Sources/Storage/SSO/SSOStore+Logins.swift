import Core
import Foundation
import GRDB

/// Logins under way, and what a verified login does to the person's account.
extension SSOStore {
    /// A started login, as the IdP's return finds it.
    public struct PendingLogin: Sendable, Equatable {
        public let provider: String
        public let nonce: String
        public let verifier: String
        public let returnTo: String
        /// Set for a terminal's login (`agentctl login --sso`).
        public let forTerminal: Bool
        public let loopbackPort: Int?
    }

    /// Records a login that was just sent to the IdP; forgets those started too long ago.
    public func startLogin(provider: String, stateHash: [UInt8], nonce: String, verifier: String, returnTo: String,
                           pollHash: [UInt8]?, loopbackPort: Int?, now: Instant) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "DELETE FROM sso_login WHERE created_at < ?",
                           arguments: [now.millisecondsSinceEpoch - SSOLoginRules.pendingMilliseconds])
            try db.execute(sql: """
                INSERT INTO sso_login (state_hash, provider, nonce, verifier, return_to, loopback_port, poll_hash, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Data(stateHash), provider, nonce, verifier, returnTo, loopbackPort, pollHash.map { Data($0) },
                                 now.millisecondsSinceEpoch])
        }
    }

    /// Takes the login `stateHash` names, once: a browser's login is removed, a terminal's is
    /// kept (without its verifier) for `completeTerminal`. Nil when there is none for this
    /// provider, it was used, or it expired: a replayed or forged `state`.
    public func takeLogin(provider: String, stateHash: [UInt8], now: Instant) async throws -> PendingLogin? {
        try await database.writer.submit { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sso_login WHERE state_hash = ? AND provider = ? AND verifier != ''",
                                             arguments: [Data(stateHash), provider]) else { return nil }
            let fresh = (row["created_at"] as Int64) >= now.millisecondsSinceEpoch - SSOLoginRules.pendingMilliseconds
            let terminal = (row["poll_hash"] as Data?) != nil
            if terminal && fresh {
                try db.execute(sql: "UPDATE sso_login SET verifier = '' WHERE state_hash = ?", arguments: [Data(stateHash)])
            } else {
                try db.execute(sql: "DELETE FROM sso_login WHERE state_hash = ?", arguments: [Data(stateHash)])
            }
            guard fresh else { return nil }
            return PendingLogin(provider: provider, nonce: row["nonce"], verifier: row["verifier"], returnTo: row["return_to"],
                                forTerminal: terminal, loopbackPort: row["loopback_port"])
        }
    }

    /// A terminal's login came back verified: keeps who logged in and a hash of the one-time
    /// code the person carries back to the terminal.
    public func completeTerminal(stateHash: [UInt8], codeHash: [UInt8], membership: Membership) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE sso_login SET code_hash = ?, user_id = ?, org_id = ? WHERE state_hash = ?",
                           arguments: [Data(codeHash), membership.userID.rawValue, membership.orgID.rawValue, Data(stateHash)])
        }
    }

    /// The terminal exchanges its poll secret and the code for the login, once. Nil while the
    /// person has not come back; throws `notFound` for an unknown, used or expired one, or a
    /// wrong code (which also ends the login: codes are not guessed twice).
    public func finishTerminal(pollHash: [UInt8], codeHash: [UInt8], now: Instant) async throws -> (provider: String, userID: UserID, orgID: OrgID)? {
        try await database.writer.submit { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sso_login WHERE poll_hash = ?", arguments: [Data(pollHash)]),
                  (row["created_at"] as Int64) >= now.millisecondsSinceEpoch - SSOLoginRules.pendingMilliseconds else {
                throw StorageError.notFound(.session, id: "sso login")
            }
            guard let stored = row["code_hash"] as Data? else { return nil }
            try db.execute(sql: "DELETE FROM sso_login WHERE poll_hash = ?", arguments: [Data(pollHash)])
            guard Self.equal(Array(stored), codeHash), let user = UserID(row["user_id"]), let org = OrgID(row["org_id"]) else {
                throw StorageError.notFound(.session, id: "sso login")
            }
            return (row["provider"], user, org)
        }
    }

    /// Constant-time comparison (state, codes).
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Audits a login refused after the IdP sent the person back (a bad token, the IdP's error):
    /// a security event, and what an admin reads first when people cannot log in.
    public func recordRefusal(name: String, orgID: OrgID, reason: String, requestID: String?, now: Instant) async throws {
        try await audit.record(AuditEntry(at: now, orgID: orgID.rawValue, actor: "sso:\(name)", action: .ssoLoginRefused,
                                          outcome: .denied, targetType: ResourceType.ssoProvider.rawValue, targetID: name,
                                          requestID: requestID, details: ["reason": String(reason.prefix(300))]))
    }

    // MARK: Provisioning

    /// Who the IdP says logged in, once the token verified.
    public struct Person: Sendable, Equatable {
        public let subject: String
        public let login: String
        public let displayName: String
        public let groups: [String]

        public init(subject: String, login: String, displayName: String, groups: [String]) {
            self.subject = subject
            self.login = login
            self.displayName = displayName
            self.groups = groups
        }
    }

    /// Why a verified person may not log in.
    public enum ProvisionRefusal: Error, Equatable, Sendable {
        /// No group maps to a role; `removed`: they had a membership, which is gone now.
        case noRole(removed: Bool)
        /// Their login is a local user's, and the provider does not link existing users.
        case loginTaken(String)
        case disabled
    }

    /// What provisioning needs of a provider, whatever its protocol.
    public struct Provisioning: Sendable {
        public let name: String
        public let orgID: OrgID
        public let mappings: [SSOMapping]
        public let linkExisting: Bool

        public init(name: String, orgID: OrgID, mappings: [SSOMapping], linkExisting: Bool) {
            self.name = name
            self.orgID = orgID
            self.mappings = mappings
            self.linkExisting = linkExisting
        }
    }

    /// Applies a verified login in one unit: finds the person's user by subject, or creates it
    /// (just in time) or links an existing one when the provider allows; then sets their org role
    /// and the roles of every team the provider's mappings name from their groups now (no role:
    /// membership and those team places removed, sessions in the org ended). Each change audited.
    public func provision(_ person: Person, into provider: Provisioning, requestID: String?, now: Instant) async throws -> Membership {
        let audit = self.audit
        let actor = "sso:\(provider.name)"
        let outcome: Result<Membership, ProvisionRefusal> = try await database.writer.submit { db in
            let org = provider.orgID
            func entry(_ action: AuditAction, _ target: String, _ details: [String: String]) -> AuditEntry {
                AuditEntry(at: now, orgID: org.rawValue, actor: actor, action: action, outcome: action == .ssoLoginRefused ? .denied : .success,
                           targetType: ResourceType.user.rawValue, targetID: target, requestID: requestID, details: details)
            }
            var userID: UserID
            var login = person.login
            if let linked = try Row.fetchOne(db, sql: """
                SELECT u.id, u.login, u.disabled_at FROM sso_identity i JOIN user_account u ON u.id = i.user_id
                WHERE i.provider = ? AND i.subject = ?
                """, arguments: [provider.name, person.subject]), let id = UserID(linked["id"]) {
                if (linked["disabled_at"] as Int64?) != nil { return .failure(.disabled) }
                userID = id
                login = linked["login"]
            } else if let existing = try Row.fetchOne(db, sql: "SELECT id, disabled_at FROM user_account WHERE login = ?",
                                                      arguments: [person.login]), let id = UserID(existing["id"]) {
                guard provider.linkExisting else {
                    try audit.append(entry(.ssoLoginRefused, id.rawValue, ["provider": provider.name, "reason": "login taken by a local user"]), in: db)
                    return .failure(.loginTaken(person.login))
                }
                if (existing["disabled_at"] as Int64?) != nil { return .failure(.disabled) }
                userID = id
                try audit.append(entry(.ssoUserProvisioned, id.rawValue, ["provider": provider.name, "login": person.login, "linked": "true"]), in: db)
            } else {
                userID = UserID.generate(at: now)
                try db.execute(sql: """
                    INSERT INTO user_account (id, login, display_name, created_at, created_by) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [userID.rawValue, person.login, person.displayName, now.millisecondsSinceEpoch, actor])
                try audit.append(entry(.ssoUserProvisioned, userID.rawValue, ["provider": provider.name, "login": person.login]), in: db)
            }
            let groups = String(decoding: try JSONEncoder().encode(person.groups), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO sso_identity (provider, subject, user_id, groups, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (provider, subject) DO UPDATE SET groups = excluded.groups, last_login_at = excluded.last_login_at
                """, arguments: [provider.name, person.subject, userID.rawValue, groups, now.millisecondsSinceEpoch, now.millisecondsSinceEpoch])

            var roles: [String: MemberRole] = [:]
            let grant = SSOGrants.grant(groups: person.groups, mappings: provider.mappings) { name in
                if let role = roles[name] { return role.permissions }
                guard let role = try? RoleStore.resolve(name, org: org, db) else { return nil }
                roles[name] = role
                return role.permissions
            }
            let current = try String.fetchOne(db, sql: "SELECT role FROM membership WHERE org_id = ? AND user_id = ?",
                                              arguments: [org.rawValue, userID.rawValue])
            let managedTeams = Set(provider.mappings.compactMap(\.team))
            guard let orgRole = grant.orgRole, let role = roles[orgRole] else {
                // Deprovisioning: the IdP no longer puts them in any mapped group.
                try db.execute(sql: "DELETE FROM team_member WHERE org_id = ? AND user_id = ?", arguments: [org.rawValue, userID.rawValue])
                try db.execute(sql: "DELETE FROM membership WHERE org_id = ? AND user_id = ?", arguments: [org.rawValue, userID.rawValue])
                try db.execute(sql: "UPDATE session SET revoked_at = ? WHERE user_id = ? AND org_id = ? AND revoked_at IS NULL",
                               arguments: [now.millisecondsSinceEpoch, userID.rawValue, org.rawValue])
                if current != nil {
                    try audit.append(entry(.ssoDeprovisioned, userID.rawValue, ["provider": provider.name, "login": login, "role": current ?? ""]), in: db)
                }
                try audit.append(entry(.ssoLoginRefused, userID.rawValue, ["provider": provider.name, "reason": "no group maps to a role",
                                                                             "groups": person.groups.prefix(50).joined(separator: " ")]), in: db)
                return .failure(.noRole(removed: current != nil))
            }
            var changes: [String: String] = [:]
            if current != orgRole {
                try db.execute(sql: """
                    INSERT INTO membership (org_id, user_id, role, created_at, created_by) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role
                    """, arguments: [org.rawValue, userID.rawValue, orgRole, now.millisecondsSinceEpoch, actor])
                changes["role"] = "\(current ?? "none") -> \(orgRole)"
            }
            for team in managedTeams.sorted() {
                guard let teamID = try String.fetchOne(db, sql: "SELECT id FROM team WHERE org_id = ? AND name = ?",
                                                       arguments: [org.rawValue, team]) else { continue }
                let place = try Row.fetchOne(db, sql: "SELECT role FROM team_member WHERE team_id = ? AND user_id = ?",
                                             arguments: [teamID, userID.rawValue])
                let had: String? = place.map { ($0["role"] as String?) ?? orgRole }
                let wanted = grant.teams[team]
                if let wanted, place == nil || (place?["role"] as String?) != wanted {
                    try db.execute(sql: """
                        INSERT INTO team_member (team_id, user_id, org_id, role) VALUES (?, ?, ?, ?)
                        ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role
                        """, arguments: [teamID, userID.rawValue, org.rawValue, wanted])
                    changes["team:\(team)"] = "\(had ?? "none") -> \(wanted)"
                } else if wanted == nil, place != nil {
                    try db.execute(sql: "DELETE FROM team_member WHERE team_id = ? AND user_id = ?", arguments: [teamID, userID.rawValue])
                    changes["team:\(team)"] = "\(had ?? "member") -> none"
                }
            }
            if !changes.isEmpty {
                changes["provider"] = provider.name
                changes["login"] = login
                try audit.append(entry(.ssoRolesSynced, userID.rawValue, changes), in: db)
            }
            return .success(Membership(orgID: org, userID: userID, role: role))
        }
        return try outcome.get()
    }

    /// The user a program's token acts as: the provider's service account for `login`, with its
    /// role and teams in the provider's org. Nil when it is no longer an enabled member.
    public func serviceAccount(login: String, org: OrgID) async throws -> (User, MemberRole, Set<TeamID>)? {
        try await member(column: "login", login, org: org)
    }

    /// A user by id, when an enabled member of `org`: its role and teams there.
    public func member(_ user: UserID, org: OrgID) async throws -> (User, MemberRole, Set<TeamID>)? {
        try await member(column: "id", user.rawValue, org: org)
    }

    private func member(column: String, _ value: String, org: OrgID) async throws -> (User, MemberRole, Set<TeamID>)? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT u.*, m.role AS member_role FROM user_account u JOIN membership m ON m.user_id = u.id AND m.org_id = ?
                WHERE u.\(column) = ? AND u.disabled_at IS NULL
                """, arguments: [org.rawValue, value]) else { return nil }
            let user = try UserStore.user(from: row)
            guard let role = try RoleStore.resolve(row["member_role"], org: org, db) else { return nil }
            return (user, role, try TeamStore.teams(of: user.id, in: org, db))
        }
    }
}
