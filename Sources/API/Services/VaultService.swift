import Core
import Foundation
import Platform
import AgentSecurity
import Storage

/// Secrets and the vault that seals them: what `SecretRoutes` is given; built by `agentd`
/// (Daemon/APIWiring.swift). Routes decode and answer; what touches several stores and the audit chain
/// (unseal, check, rotate) is a method here, so it reads as one flow and is tested as one.
public struct VaultService: Sendable {
    public let secrets: SecretStore
    public let vault: Vault
    public let vaultKeys: VaultKeyStore
    public let vaultLimits: VaultLimits
    public let audit: AuditLog
    /// Unseal tries are counted in the login buckets (shared with `LoginService`).
    let loginBuckets: BucketStore
    public let limits: RequestLimits
    public let clock: WallClock

    public init(secrets: SecretStore, vault: Vault, vaultKeys: VaultKeyStore, vaultLimits: VaultLimits, audit: AuditLog,
                loginBuckets: BucketStore, limits: RequestLimits, clock: WallClock) {
        self.secrets = secrets
        self.vault = vault
        self.vaultKeys = vaultKeys
        self.vaultLimits = vaultLimits
        self.audit = audit
        self.loginBuckets = loginBuckets
        self.limits = limits
        self.clock = clock
    }

    /// Opens a sealed vault with a passphrase (`[vault] key_source = "passphrase"`).
    ///
    /// The first unseal sets the passphrase: its key's check value is recorded. Later ones must
    /// derive a key with that check value. Tries are throttled (5 a minute, `RateLimited`), a
    /// wrong passphrase is audited (`vault.unseal_failed`) and answered `unsealFailed`, a right
    /// one opens the vault and is audited (`vault.unsealed`). An open vault is `protected`.
    public func unseal(passphrase: String, change: ChangeContext) async throws {
        guard vault.isSealed else {
            throw StorageError.protected(.secret, id: "vault", reason: "the vault is not sealed")
        }
        // Wrong passphrases are counted and slowed: 5 tries a minute.
        let decision = loginBuckets.take([("vault-unseal", 5)], now: clock.now(), periodMilliseconds: Milliseconds.minute)
        guard decision.allowed else { throw RateLimited(decision: decision) }
        let expected = try await vaultKeys.expected()
        if expected.isEmpty && passphrase.count < 12 {
            throw ValidationError(field: "passphrase", "must be at least 12 characters when first set")
        }
        let salt = try await vaultKeys.passphraseSalt(orMake: { Passphrase.newSalt() })
        // why: Argon2id takes tens of milliseconds and 64 MiB; it must not hold a NIO thread.
        guard let key = await withCheckedContinuation({ (continuation: CheckedContinuation<MasterKey?, Never>) in
            DispatchQueue.global().async { continuation.resume(returning: Passphrase.derive(passphrase, salt: salt)) }
        }) else { throw APIError.notReady("The key could not be derived (out of memory); try again.") }
        if expected.isEmpty {
            try await vaultKeys.register([(key.id, key.checkValue)], now: change.now)
        }
        do {
            // Also after a first registration: of two racing first unseals, only the one whose
            // check value was recorded may open the vault.
            try KeyVerification.verify([key], expected: try await vaultKeys.expected(), source: "the passphrase")
        } catch {
            try await audit.record(AuditEntry(at: change.now, orgID: nil, actor: change.actor, action: .vaultUnsealFailed,
                                              outcome: .denied, requestID: change.requestID))
            throw APIError.unsealFailed
        }
        vault.unseal(with: [key])
        try await audit.record(AuditEntry(at: change.now, orgID: nil, actor: change.actor, action: .vaultUnsealed,
                                          requestID: change.requestID))
    }

    /// Opens every stored secret version and counts those that fail; audited (`vault.checked`).
    public func check(change: ChangeContext) async throws -> (checked: Int, failures: [Vault.CheckFailure]) {
        let (checked, failures) = try await vault.check(secrets)
        try await audit.record(AuditEntry(at: change.now, orgID: nil, actor: change.actor, action: .vaultChecked,
                                          requestID: change.requestID,
                                          details: ["checked": String(checked), "failed": String(failures.count)]))
        return (checked, failures)
    }

    /// Makes a new master key active and rewraps every data key under it; audited
    /// (`vault.rotated`). A rotation the vault refuses is `protected`.
    public func rotate(change: ChangeContext) async throws -> (keyID: String, rewrapped: Int) {
        let result: (keyID: String, rewrapped: Int)
        do {
            result = try await vault.rotate(secrets, keyStore: vaultKeys, now: change.now)
        } catch let error as Vault.RotationError {
            throw StorageError.protected(.secret, id: "vault", reason: error.description)
        }
        try await audit.record(AuditEntry(at: change.now, orgID: nil, actor: change.actor, action: .vaultRotated,
                                          requestID: change.requestID,
                                          details: ["key": result.keyID, "rewrapped": String(result.rewrapped)]))
        return result
    }
}
