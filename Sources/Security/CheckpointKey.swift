import Core
import CSodium

/// The MAC of audit checkpoints (`AuditCheckpoints`): HMAC-SHA-256 under a subkey derived from
/// the server's hash key (`auth.key`), which lives outside the database. Someone with only the
/// database file can therefore rewrite or truncate the chain but cannot write a checkpoint that
/// agrees with it.
///
/// Why the hash key and not the vault's master key: the master key may be absent while agentd
/// runs (a passphrase vault starts sealed), and checkpoints must be written from the first event.
/// The subkey is `crypto_kdf_derive_from_key(32, 2, "agtdaudt", hashKey)`, that is BLAKE2b-256
/// keyed with the hash key, salt = subkey id 2 (8 bytes little-endian, then 8 zero bytes),
/// personal = `agtdaudt` then 8 zero bytes: any BLAKE2b implementation can re-derive it.
public struct CheckpointKey: Sendable {
    public static let subkeyID: UInt64 = 2
    public static let context = "agtdaudt"

    private let key: [UInt8]

    public init(hashKey: [UInt8]) {
        var subkey = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_KEYBYTES))
        _ = crypto_kdf_derive_from_key(&subkey, subkey.count, Self.subkeyID, Self.context, hashKey)
        key = subkey
    }

    /// HMAC-SHA-256 of `message`.
    public var mac: AuditCheckpoints.MAC {
        let key = self.key
        return { message in
            var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
            _ = crypto_auth_hmacsha256(&out, message, UInt64(message.count), key)
            return out
        }
    }
}
