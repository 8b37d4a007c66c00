import Core
import Storage

/// The vault as the rest of agentd sees it: the master keys loaded at start (the newest seals,
/// any opens), where they came from, and sealing for the secret store.
public struct Vault: Sendable {
    public let keys: [MasterKey]
    public let source: String

    public init(keys: [MasterKey], source: String) {
        self.keys = keys
        self.source = source
    }

    /// The key new values are sealed under: the last in the keyring.
    public var activeKey: MasterKey? { keys.last }

    /// A sealing function for `SecretStore.put`.
    public func sealer(for value: [UInt8]) throws(VaultError) -> @Sendable (SecretRef) -> SecretStore.Sealed {
        guard let key = activeKey else { throw .sealed }
        return { ref in
            let sealed = VaultCrypto.seal(value, at: ref, with: key)
            return SecretStore.Sealed(keyID: sealed.keyID, wrappedKey: sealed.wrappedKey, ciphertext: sealed.ciphertext)
        }
    }

    public func open(_ sealed: SecretStore.Sealed, at ref: SecretRef) throws(VaultError) -> [UInt8] {
        try VaultCrypto.open(SealedSecret(keyID: sealed.keyID, wrappedKey: sealed.wrappedKey, ciphertext: sealed.ciphertext),
                             at: ref, keys: keys)
    }
}
