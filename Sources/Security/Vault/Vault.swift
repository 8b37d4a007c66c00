import CSodium
import Core
import Foundation
import Storage

/// The vault as the rest of agentd sees it: the master keys loaded at start (the newest seals,
/// any opens), where they came from, sealing for the secret store, `check` and `rotate`.
///
/// why @unchecked: `keys` is guarded by `lock`; rotation is serialised by `rotating`.
public final class Vault: SecretResealing, @unchecked Sendable {
    public let source: String
    /// The keyring file rotation writes (nil for sources agentd cannot write, like a systemd credential).
    public let keyringPath: String?
    private let lock = NSLock()
    private var currentKeys: [MasterKey]
    private let rotation = RotationFlag()

    public init(keys: [MasterKey], source: String, keyringPath: String?) {
        self.currentKeys = keys
        self.source = source
        self.keyringPath = keyringPath
    }

    /// Opens a sealed vault with keys checked against the database (the unseal path).
    public func unseal(with keys: [MasterKey]) { setKeys(keys) }

    public var isSealed: Bool { keys.isEmpty }

    public var keys: [MasterKey] {
        lock.lock()
        defer { lock.unlock() }
        return currentKeys
    }

    /// The key new values are sealed under: the last in the keyring.
    public var activeKey: MasterKey? { keys.last }

    /// A sealing function for `SecretStore.put`. It takes the active key when it runs, inside
    /// the writer unit: a write racing a rotation then seals under the new key, or (if it ran
    /// first) leaves a row the rotation's retire step sees, so no value is ever sealed under a
    /// key that has been retired.
    public func sealer(for value: [UInt8]) throws(VaultError) -> @Sendable (SecretRef) throws -> SealedSecret {
        guard activeKey != nil else { throw .sealed }
        return { [self] ref in
            guard let key = self.activeKey else { throw VaultError.sealed }
            return VaultCrypto.seal(value, at: ref, with: key)
        }
    }

    public func open(_ sealed: SealedSecret, at ref: SecretRef) throws(VaultError) -> [UInt8] {
        try VaultCrypto.open(sealed, at: ref, keys: keys)
    }

    /// Opens a value sealed at `from` and seals it at `to` under the active key (an approved prod
    /// write held at version 0 becoming the next version); the plain value is wiped at once.
    public func reseal(_ sealed: SealedSecret, from: SecretRef, to: SecretRef) throws -> SealedSecret {
        guard let key = activeKey else { throw VaultError.sealed }
        var value = try VaultCrypto.open(sealed, at: from, keys: keys)
        defer { sodium_memzero(&value, value.count) }
        return VaultCrypto.seal(value, at: to, with: key)
    }

    /// One stored version that did not open.
    public struct CheckFailure: Sendable, Hashable {
        public let ref: SecretRef
        public let error: VaultError
    }

    /// Opens every stored version; returns how many were checked and which failed.
    public func check(_ store: SecretStore) async throws -> (checked: Int, failures: [CheckFailure]) {
        let all = try await store.allSealed() + store.allHeld().map { ($0.ref, $0.sealed) }
        var failures: [CheckFailure] = []
        for (ref, sealed) in all {
            do { _ = try open(sealed, at: ref) } catch { failures.append(CheckFailure(ref: ref, error: error)) }
        }
        return (all.count, failures)
    }

    public enum RotationError: Error, CustomStringConvertible {
        case notWritable(String)
        case unreadable(Int)
        case inProgress

        public var description: String {
            switch self {
            case .notWritable(let source): "the keys come from \(source), which agentd cannot rotate by itself (see docs/vault.md)"
            case .unreadable(let count): "\(count) stored versions do not open with the current keys; run `agentctl vault check` and fix them first"
            case .inProgress: "a rotation is already running"
            }
        }
    }

    /// Makes a new master key, re-wraps every data key under it while both keys open values
    /// (so no read fails meanwhile), and retires the old keys only once nothing uses them.
    /// Returns the new key's id and how many versions were re-wrapped.
    public func rotate(_ store: SecretStore, keyStore: VaultKeyStore, now: Instant) async throws -> (keyID: String, rewrapped: Int) {
        guard rotation.begin() else { throw RotationError.inProgress }
        defer { rotation.end() }
        guard let path = keyringPath else { throw RotationError.notWritable(source) }
        let old = keys
        let next = (old.compactMap { Int($0.id.dropFirst(2)) }.max() ?? 0) + 1
        var bytes = SecretHasher.randomBytes(32)
        var exported = bytes
        defer { sodium_memzero(&exported, exported.count) }
        let key = MasterKey(id: "mk\(next)", bytes: &bytes)
        // 1. The keyring holds old and new, so a crash from here on loses nothing.
        var oldExported = old.map { ($0.id, Keyring.export($0)) }
        defer { for index in oldExported.indices { sodium_memzero(&oldExported[index].1, oldExported[index].1.count) } }
        try Keyring.write(path, keys: oldExported + [(key.id, exported)])
        try await keyStore.register([(key.id, key.checkValue)], now: now)
        setKeys(old + [key])
        // 2. Re-wrap everything sealed under an older key.
        let all = try await store.allSealed().filter { $0.1.keyID != key.id }
        var updates: [(SecretRef, SealedSecret)] = []
        var unreadable = 0
        for (ref, sealed) in all {
            do {
                updates.append((ref, try VaultCrypto.rewrap(sealed, at: ref, from: old, to: key)))
            } catch {
                unreadable += 1
            }
        }
        for start in stride(from: 0, to: updates.count, by: 500) {
            try await store.replaceSealed(Array(updates[start..<min(start + 500, updates.count)]))
        }
        // Values waiting in change requests (prod writes held for approval) too.
        var held: [(change: String, sealed: SealedSecret)] = []
        for entry in try await store.allHeld() where entry.sealed.keyID != key.id {
            do { held.append((entry.change, try VaultCrypto.rewrap(entry.sealed, at: entry.ref, from: old, to: key))) } catch { unreadable += 1 }
        }
        try await store.replaceHeld(held)
        guard unreadable == 0 else { throw RotationError.unreadable(unreadable) }
        // 3. Only now retire the old keys, in the database and in the keyring. The retire step
        // refuses while any row (say, a write that raced the rotation) still uses an old key;
        // then both keys stay and the rotation can simply be run again.
        try await keyStore.retire(old.map(\.id), now: now)
        try Keyring.write(path, keys: [(key.id, exported)])
        setKeys([key])
        return (key.id, updates.count + held.count)
    }

    func setKeysForTesting(_ keys: [MasterKey]) { setKeys(keys) }

    private func setKeys(_ keys: [MasterKey]) {
        lock.lock()
        currentKeys = keys
        lock.unlock()
    }
}

/// One rotation at a time.
///
/// why @unchecked: `running` is guarded by `lock`, taken only in these synchronous methods.
final class RotationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false

    func begin() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if running { return false }
        running = true
        return true
    }

    func end() {
        lock.lock()
        running = false
        lock.unlock()
    }
}
