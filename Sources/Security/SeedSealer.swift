import CSodium
import Foundation

/// Seals small server-side secrets that must be read back (TOTP seeds) with
/// XChaCha20-Poly1305, under a subkey derived from the hash key, with the owner's id as
/// associated data: a sealed seed copied to another user's row does not open.
///
/// The vault issue brings the master key; until then the hash key file is the root secret.
public struct SeedSealer: Sendable {
    private let key: [UInt8]

    public init(hashKey: [UInt8]) {
        var subkey = [UInt8](repeating: 0, count: Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES))
        _ = crypto_kdf_derive_from_key(&subkey, subkey.count, 1, "agtdtotp", hashKey)
        key = subkey
    }

    public func seal(_ plaintext: [UInt8], boundTo owner: String) -> [UInt8] {
        let nonce = SecretHasher.randomBytes(Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES))
        var out = [UInt8](repeating: 0, count: plaintext.count + Int(crypto_aead_xchacha20poly1305_ietf_ABYTES))
        var written: UInt64 = 0
        let ad = Array(owner.utf8)
        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&out, &written, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count),
                                                       nil, nonce, key)
        return nonce + out.prefix(Int(written))
    }

    /// Nil when the box was tampered with or belongs to another owner.
    public func open(_ box: [UInt8], boundTo owner: String) -> [UInt8]? {
        let nonceLength = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
        let tagLength = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)
        guard box.count >= nonceLength + tagLength else { return nil }
        let nonce = Array(box.prefix(nonceLength))
        let cipher = Array(box.dropFirst(nonceLength))
        var out = [UInt8](repeating: 0, count: cipher.count - tagLength)
        var written: UInt64 = 0
        let ad = Array(owner.utf8)
        guard crypto_aead_xchacha20poly1305_ietf_decrypt(&out, &written, nil, cipher, UInt64(cipher.count), ad, UInt64(ad.count),
                                                         nonce, key) == 0 else { return nil }
        return Array(out.prefix(Int(written)))
    }
}
