@testable import API
import Core
import AgentSecurity
import Storage
import Testing

/// The unseal flow, as `VaultService` runs it for `POST /api/v1/vault/unseal`.
@Suite struct VaultServiceTests {
    @Test func theFirstUnsealSetsThePassphraseAndOpensTheVault() async throws {
        let harness = try await RouteHarness()
        await #expect(throws: ValidationError.self) { try await harness.vault.unseal(passphrase: "too short", change: harness.change()) }
        #expect(harness.vault.vault.isSealed)
        try await harness.vault.unseal(passphrase: "correct horse battery staple", change: harness.change())
        #expect(!harness.vault.vault.isSealed)
        #expect(try await harness.audited(.vaultUnsealed).map(\.actor) == ["uid:0"])
        await #expect(throws: StorageError.self) {
            try await harness.vault.unseal(passphrase: "correct horse battery staple", change: harness.change())
        }
        try await harness.run { _ in }
    }

    @Test func aWrongPassphraseIsRefusedAuditedAndLeavesTheVaultSealed() async throws {
        let harness = try await RouteHarness()
        try await harness.vault.unseal(passphrase: "correct horse battery staple", change: harness.change())
        // A second process's view: the same database, its own sealed vault.
        let restarted = VaultService(secrets: harness.vault.secrets, vault: Vault(keys: [], source: "tests", keyringPath: nil),
                                     vaultKeys: harness.vault.vaultKeys, vaultLimits: VaultLimits(), audit: harness.audit,
                                     loginBuckets: BucketStore(), limits: RequestLimits(), clock: harness.clock)
        await #expect(throws: APIError.unsealFailed) {
            try await restarted.unseal(passphrase: "incorrect horse battery staple", change: harness.change("uid:1000"))
        }
        #expect(restarted.vault.isSealed)
        #expect(try await harness.audited(.vaultUnsealFailed).map(\.actor) == ["uid:1000"])
        try await restarted.unseal(passphrase: "correct horse battery staple", change: harness.change())
        #expect(!restarted.vault.isSealed)
        try await harness.run { _ in }
    }

    @Test func unsealTriesAreThrottled() async throws {
        let harness = try await RouteHarness()
        try await harness.vault.unseal(passphrase: "correct horse battery staple", change: harness.change())
        let restarted = VaultService(secrets: harness.vault.secrets, vault: Vault(keys: [], source: "tests", keyringPath: nil),
                                     vaultKeys: harness.vault.vaultKeys, vaultLimits: VaultLimits(), audit: harness.audit,
                                     loginBuckets: BucketStore(), limits: RequestLimits(), clock: harness.clock)
        for _ in 0..<5 {
            await #expect(throws: APIError.unsealFailed) { try await restarted.unseal(passphrase: "wrong passphrase!", change: harness.change()) }
        }
        await #expect(throws: RateLimited.self) { try await restarted.unseal(passphrase: "correct horse battery staple", change: harness.change()) }
        #expect(restarted.vault.isSealed)
        try await harness.run { _ in }
    }
}
