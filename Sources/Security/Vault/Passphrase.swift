import CSodium
import Core

/// The passphrase key source: the master key is derived from a passphrase with Argon2id
/// (libsodium `crypto_pwhash`, MODERATE limits: 256 MiB, about a second) and a salt kept in the
/// database. agentd then starts sealed and opens the vault at `agentctl vault unseal`.
public enum Passphrase {
    public static let keyID = "mk1"

    public static func newSalt() -> [UInt8] { SecretHasher.randomBytes(Int(crypto_pwhash_SALTBYTES)) }

    /// Derives the master key; nil if libsodium cannot allocate the memory.
    public static func derive(_ passphrase: String, salt: [UInt8]) -> MasterKey? {
        var key = [UInt8](repeating: 0, count: 32)
        let bytes = passphrase.utf8.map { CChar(bitPattern: $0) }
        let result = crypto_pwhash(&key, UInt64(key.count), bytes, UInt64(bytes.count), salt,
                                   UInt64(crypto_pwhash_OPSLIMIT_MODERATE), Int(crypto_pwhash_MEMLIMIT_MODERATE),
                                   crypto_pwhash_ALG_ARGON2ID13)
        guard result == 0 else { return nil }
        return MasterKey(id: keyID, bytes: &key)
    }
}
