import Core
import Foundation
import Storage

/// Who a login session acts for, once its token checked out.
public struct SessionIdentity: Sendable, Hashable {
    public let sessionID: SessionID
    public let userID: UserID
    public let login: String
    public let scope: Scope
    /// The user must enrol in MFA before this session may do anything else.
    public let mfaPending: Bool
}

/// Why a login or a session token was refused. A wrong login and a wrong password are the same
/// `invalidCredentials`, and take the same time.
public enum LoginError: Error, Hashable, Sendable {
    case invalidCredentials
    case locked(until: Instant)
    case noMembership
    case invalidSession
    /// The password was right, but this user must also give a TOTP or recovery code.
    case mfaRequired
    /// The password was right, but the user's org requires SSO and they are not one of its
    /// break-glass accounts: the providers to log in through.
    case ssoRequired(providers: [String])
}

/// Password logins and the sessions they open: Argon2id verification off the cooperative
/// threads, lockout with backoff (`LockoutPolicy`), idle and absolute expiry (`SessionPolicy`).
public final class PasswordLogin: Sendable {
    private let store: LoginStore
    private let mfa: MFAService
    private let hasher: SecretHasher
    public let lockout: LockoutPolicy
    public let sessions: SessionPolicy
    private let touches = TouchThrottle()

    public init(store: LoginStore, mfa: MFAService, hasher: SecretHasher, lockout: LockoutPolicy = .init(),
                sessions: SessionPolicy = .init()) {
        self.store = store
        self.mfa = mfa
        self.hasher = hasher
        self.lockout = lockout
        self.sessions = sessions
    }

    /// Checks a password and opens a session. Returns the token (shown once) and the session.
    public func login(_ login: String, password: String, totpCode: String? = nil, recoveryCode: String? = nil,
                      orgName: String?, client: String, requestID: String?, now: Instant) async throws -> (SessionToken, Session) {
        guard let candidate = try await store.candidate(login: login, orgName: orgName) else {
            _ = await Self.verifyOffThread(password, against: PasswordHasher.decoy)
            throw LoginError.invalidCredentials
        }
        if let lockedUntil = candidate.lockedUntil, now < lockedUntil {
            throw LoginError.locked(until: lockedUntil)
        }
        guard let stored = candidate.passwordHash, !candidate.user.disabled else {
            _ = await Self.verifyOffThread(password, against: PasswordHasher.decoy)
            throw LoginError.invalidCredentials
        }
        func fail() async throws -> Never {
            // The store counts in one statement: `candidate.failedCount` is stale by now.
            let (_, lockedUntil) = try await store.recordFailure(candidate.user, lockout: lockout,
                                                                 orgID: candidate.membership?.orgID, requestID: requestID, now: now)
            if let lockedUntil { throw LoginError.locked(until: lockedUntil) }
            throw LoginError.invalidCredentials
        }
        guard await Self.verifyOffThread(password, against: stored) else { try await fail() }
        // why after the check: a wrong password still counts towards the lockout.
        if let providers = candidate.ssoOnly { throw LoginError.ssoRequired(providers: providers) }
        var mfaPending = false
        if let enrolment = candidate.mfa, enrolment.confirmed {
            // A wrong or replayed second factor counts as a failed login (lockout applies).
            if let totpCode {
                guard try await mfa.verify(totpCode, user: candidate.user.id, state: enrolment, now: now) else { try await fail() }
            } else if let recoveryCode {
                guard try await mfa.useRecoveryCode(recoveryCode, user: candidate.user.id, orgID: candidate.membership?.orgID,
                                                    requestID: requestID, now: now) else { try await fail() }
            } else {
                throw LoginError.mfaRequired
            }
        } else if candidate.mfaRequired {
            mfaPending = true
        }
        guard let membership = candidate.membership else { throw LoginError.noMembership }
        return try await openSession(membership, login: candidate.user.login, client: client, mfaPending: mfaPending,
                                     requestID: requestID, now: now)
    }

    /// Opens a session for someone whose login checked out here or at an identity provider
    /// (`ssoProvider`; the IdP did the second factor, so none is pending).
    public func openSession(_ membership: Membership, login: String, client: String, mfaPending: Bool = false, ssoProvider: String? = nil,
                            requestID: String?, now: Instant) async throws -> (SessionToken, Session) {
        let token = SessionToken(id: SessionID.generate(at: now), randomBytes: SecretHasher.randomBytes(32))
        let session = try await store.startSession(id: token.id, secretHash: hasher.hash(token.secret), membership: membership,
                                                   login: login, client: client, mfaPending: mfaPending, ssoProvider: ssoProvider,
                                                   requestID: requestID, now: now)
        return (token, session)
    }

    /// Checks a presented session token.
    public func authenticate(_ presented: String, now: Instant) async throws -> SessionIdentity {
        guard let token = SessionToken(presented), let credential = try await store.credential(token.id),
              hasher.matches(token.secret, expected: credential.secretHash) else { throw LoginError.invalidSession }
        let session = credential.session
        guard session.revokedAt == nil, let role = credential.ownerRole,
              sessions.isActive(createdAt: session.createdAt, lastSeenAt: session.lastSeenAt, now: now) else {
            throw LoginError.invalidSession
        }
        if touches.shouldTouch(token.id.rawValue, now: now) {
            let store = self.store
            Task { try? await store.touch(token.id, at: now) }
        }
        // A session that must enrol first is granted no permission: only routes that need just
        // an identified caller (whoami, MFA enrolment, logout) answer it.
        return SessionIdentity(sessionID: session.id, userID: session.userID, login: credential.ownerLogin,
                               scope: role.scope(in: session.orgID, limit: session.mfaPending ? [] : nil,
                                                 teams: credential.ownerTeams),
                               mfaPending: session.mfaPending)
    }

    /// The CSRF token of a cookie session: a keyed hash of the session id, so it needs no
    /// storage and a page can only know it from the login response.
    public func csrfToken(for session: SessionID) -> String {
        hasher.hash("csrf:" + session.rawValue).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// True when `presented` is the CSRF token of `session` (constant-time).
    public func checkCSRF(_ presented: String, for session: SessionID) -> Bool {
        let expected = Array(csrfToken(for: session).utf8)
        let given = Array(presented.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }

    /// Hashes a new password off the cooperative threads (Argon2id takes tens of milliseconds).
    public static func hashOffThread(_ password: String) async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: PasswordHasher.hash(password)) }
        }
    }

    public static func verifyOffThread(_ password: String, against stored: String) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: PasswordHasher.verify(password, against: stored))
            }
        }
    }
}

/// Lets a credential's `last_seen_at`/`last_used_at` be written about once a minute at most.
///
/// why @unchecked: `last` is guarded by `lock`.
final class TouchThrottle: @unchecked Sendable {
    private let lock = NSLock()
    private var last: [String: Int64] = [:]
    static let every = Milliseconds.minute

    func shouldTouch(_ id: String, now: Instant) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let previous = last[id], now.millisecondsSinceEpoch - previous < Self.every { return false }
        if last.count >= 10_000 { last.removeAll(keepingCapacity: true) }
        last[id] = now.millisecondsSinceEpoch
        return true
    }
}
