import Core
import Foundation
import Storage

/// TOTP enrolment and checks: seeds are made here, sealed before they reach the database,
/// and opened only to compute a code; recovery codes are shown once and stored as keyed hashes.
public struct MFAService: Sendable {
    private let store: MFAStore
    private let sealer: SeedSealer
    private let hasher: SecretHasher

    public static let recoveryCodeCount = 10

    public init(store: MFAStore, sealer: SeedSealer, hasher: SecretHasher) {
        self.store = store
        self.sealer = sealer
        self.hasher = hasher
    }

    /// What a user sees once when enrolling.
    public struct Enrolment: Sendable {
        public let provisioningURI: String
        public let secret: String
        public let recoveryCodes: [String]
    }

    /// Starts (or restarts) an unconfirmed enrolment.
    public func enrol(_ user: UserID, login: String, context: ChangeContext) async throws -> Enrolment {
        let secret = SecretHasher.randomBytes(20)
        let totp = TOTP(secret: secret)
        let codes = (0..<Self.recoveryCodeCount).map { _ in Self.recoveryCode() }
        try await store.startEnrolment(of: user, secretBox: sealer.seal(secret, boundTo: user.rawValue),
                                       recoveryHashes: codes.map { hasher.hash(Self.normalise($0)) }, context: context)
        return Enrolment(provisioningURI: totp.provisioningURI(account: login), secret: Base32.encode(secret), recoveryCodes: codes)
    }

    /// Confirms a pending enrolment with a current code; false if the code is wrong.
    public func confirm(_ code: String, user: UserID, context: ChangeContext) async throws -> Bool {
        guard let state = try await store.state(of: user), !state.confirmed,
              let secret = sealer.open(state.secretBox, boundTo: user.rawValue),
              let step = TOTP(secret: secret).matchingStep(code, at: context.now, after: nil) else { return false }
        try await store.confirm(user, step: step, context: context)
        return true
    }

    /// Checks a code the user gives to prove it holds its second factor: a TOTP code (marked
    /// used) or a recovery code (spent).
    public func checkOwnCode(_ code: String, user: UserID, now: Instant, requestID: String?) async throws -> Bool {
        guard let state = try await store.state(of: user) else { return true }  // nothing to protect
        if try await verify(code, user: user, state: state, now: now) { return true }
        return try await useRecoveryCode(code, user: user, orgID: nil, requestID: requestID, now: now)
    }

    /// Checks a login's TOTP code and marks its step used (a code works once).
    func verify(_ code: String, user: UserID, state: MFAStore.State, now: Instant) async throws -> Bool {
        guard let secret = sealer.open(state.secretBox, boundTo: user.rawValue),
              let step = TOTP(secret: secret).matchingStep(code, at: now, after: state.lastStep) else { return false }
        return try await store.use(user, step: step)
    }

    func useRecoveryCode(_ code: String, user: UserID, orgID: OrgID?, requestID: String?, now: Instant) async throws -> Bool {
        try await store.useRecoveryCode(user, hash: hasher.hash(Self.normalise(code)), orgID: orgID, now: now, requestID: requestID)
    }

    /// Two groups of five Crockford characters joined by a dash: 50 bits, easy to type from paper.
    static func recoveryCode() -> String {
        let body = CrockfordBase32.encode(bytes: SecretHasher.randomBytes(7)).prefix(10)
        return "\(body.prefix(5))-\(body.suffix(5))"
    }

    static func normalise(_ code: String) -> String {
        code.uppercased().filter { $0 != "-" && $0 != " " }
    }
}
