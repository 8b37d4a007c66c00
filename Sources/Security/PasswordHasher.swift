import CSodium

/// Argon2id password hashes through libsodium's `crypto_pwhash_str`: the output string holds
/// the algorithm, its parameters and a random salt, so hashes made with older parameters still
/// verify after the parameters change.
///
/// Parameters: libsodium's INTERACTIVE limits (opslimit 2, memlimit 64 MiB), about 70–85 ms
/// per hash on this appliance's reference hardware. Hashing never runs on the writer thread.
public enum PasswordHasher {
    public static var opsLimit: UInt64 { UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE) }
    public static var memLimit: Int { Int(crypto_pwhash_MEMLIMIT_INTERACTIVE) }

    /// A new hash of `password`; nil only if libsodium cannot allocate its memory.
    public static func hash(_ password: String) -> String? {
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        let bytes = password.utf8.map { CChar(bitPattern: $0) }
        guard crypto_pwhash_str(&out, bytes, UInt64(bytes.count), opsLimit, memLimit) == 0 else { return nil }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when `password` matches `stored` (any Argon2 parameters libsodium knows).
    public static func verify(_ password: String, against stored: String) -> Bool {
        let bytes = password.utf8.map { CChar(bitPattern: $0) }
        return crypto_pwhash_str_verify(stored, bytes, UInt64(bytes.count)) == 0
    }

    /// A hash to verify against when the login does not exist, so that a wrong login takes as
    /// long as a wrong password and timing tells nothing.
    public static let decoy: String = hash("agentd-decoy-password-for-timing") ?? ""
}
