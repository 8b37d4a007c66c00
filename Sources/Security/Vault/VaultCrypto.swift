import CSodium
import Core

/// Why a secret could not be sealed or opened. Matched by case, never by message.
public enum VaultError: Error, Hashable, Sendable {
    /// No master key is loaded (the vault starts sealed with a passphrase source).
    case sealed
    /// The value was sealed under a master key this vault does not hold.
    case unknownKey(String)
    /// The ciphertext, its wrapped key or its place (org, environment, path, version) was changed.
    case tampered
    /// The stored bytes are not in a format this agentd knows.
    case malformed
}

/// A master key: 32 bytes in guarded memory, named by an id stored beside everything it wraps.
public struct MasterKey: Sendable {
    public let id: String
    public let material: SecureBytes

    public init(id: String, bytes: inout [UInt8]) {
        self.id = id
        self.material = SecureBytes(consuming: &bytes)
    }

    /// A value stored with the key's id so agentd can tell, at start, whether it was given the
    /// right key: a keyed BLAKE2b of a fixed label. It reveals nothing about the key.
    public var checkValue: String {
        var out = [UInt8](repeating: 0, count: 16)
        let label = Array("agentd-master-key-check-v1".utf8)
        material.withBytes { key in
            _ = crypto_generichash(&out, out.count, label, UInt64(label.count),
                                   key.baseAddress?.assumingMemoryBound(to: UInt8.self), key.count)
        }
        return out.map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
    }
}

/// Envelope encryption, the single point where secret values are encrypted or decrypted.
///
/// Each value gets a fresh random data key; the value is sealed with XChaCha20-Poly1305 under
/// that key with the `SecretRef` as associated data, and the data key is sealed under the
/// master key with the same associated data. So a ciphertext (or its wrapped key) moved to
/// another org, environment, path or version fails to open, and a flipped byte anywhere fails
/// too. Data keys are zeroed after use.
public enum VaultCrypto {
    static let keyBytes = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    static let nonceBytes = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    static let tagBytes = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    public static func seal(_ value: [UInt8], at ref: SecretRef, with master: MasterKey) -> SealedSecret {
        var dataKey = SecretHasher.randomBytes(keyBytes)
        defer { sodium_memzero(&dataKey, dataKey.count) }
        let ad = [SealedSecret.formatVersion] + ref.associatedData
        let ciphertext = dataKey.withUnsafeBufferPointer { key in encrypt(value, key: key.baseAddress!, ad: ad) }
        // why pointers, not arrays: the master key must never be copied out of guarded memory.
        let wrapped = master.material.withBytes { key in
            encrypt(dataKey, key: key.baseAddress!.assumingMemoryBound(to: UInt8.self), ad: wrapAD(ad, keyID: master.id))
        }
        return SealedSecret(keyID: master.id, wrappedKey: wrapped, ciphertext: ciphertext)
    }

    /// Opens a sealed value found at `ref`, with whichever of `keys` sealed it.
    public static func open(_ sealed: SealedSecret, at ref: SecretRef, keys: [MasterKey]) throws(VaultError) -> [UInt8] {
        guard !keys.isEmpty else { throw .sealed }
        guard let master = keys.first(where: { $0.id == sealed.keyID }) else { throw .unknownKey(sealed.keyID) }
        let ad = [SealedSecret.formatVersion] + ref.associatedData
        guard var dataKey = master.material.withBytes({ key in
            decrypt(sealed.wrappedKey, key: key.baseAddress!.assumingMemoryBound(to: UInt8.self), ad: wrapAD(ad, keyID: master.id))
        }), dataKey.count == keyBytes else { throw .tampered }
        defer { sodium_memzero(&dataKey, dataKey.count) }
        guard let value = dataKey.withUnsafeBufferPointer({ key in decrypt(sealed.ciphertext, key: key.baseAddress!, ad: ad) }) else {
            throw .tampered
        }
        return value
    }

    /// Re-wraps the data key under `to` (rotation): the value's ciphertext is untouched.
    public static func rewrap(_ sealed: SealedSecret, at ref: SecretRef, from: [MasterKey], to: MasterKey) throws(VaultError) -> SealedSecret {
        guard let old = from.first(where: { $0.id == sealed.keyID }) else { throw .unknownKey(sealed.keyID) }
        let ad = [SealedSecret.formatVersion] + ref.associatedData
        guard var dataKey = old.material.withBytes({ key in
            decrypt(sealed.wrappedKey, key: key.baseAddress!.assumingMemoryBound(to: UInt8.self), ad: wrapAD(ad, keyID: old.id))
        }), dataKey.count == keyBytes else { throw .tampered }
        defer { sodium_memzero(&dataKey, dataKey.count) }
        let wrapped = to.material.withBytes { key in
            encrypt(dataKey, key: key.baseAddress!.assumingMemoryBound(to: UInt8.self), ad: wrapAD(ad, keyID: to.id))
        }
        return SealedSecret(keyID: to.id, wrappedKey: wrapped, ciphertext: sealed.ciphertext)
    }

    static func wrapAD(_ ad: [UInt8], keyID: String) -> [UInt8] {
        Array("wrap\u{0}\(keyID)\u{0}".utf8) + ad
    }

    static func encrypt(_ plaintext: [UInt8], key: UnsafePointer<UInt8>, ad: [UInt8]) -> [UInt8] {
        let nonce = SecretHasher.randomBytes(nonceBytes)
        var out = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var written: UInt64 = 0
        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&out, &written, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count),
                                                       nil, nonce, key)
        return nonce + out.prefix(Int(written))
    }

    static func decrypt(_ box: [UInt8], key: UnsafePointer<UInt8>, ad: [UInt8]) -> [UInt8]? {
        guard box.count >= nonceBytes + tagBytes else { return nil }
        let nonce = Array(box.prefix(nonceBytes))
        let cipher = Array(box.dropFirst(nonceBytes))
        var out = [UInt8](repeating: 0, count: cipher.count - tagBytes)
        var written: UInt64 = 0
        guard crypto_aead_xchacha20poly1305_ietf_decrypt(&out, &written, nil, cipher, UInt64(cipher.count), ad, UInt64(ad.count),
                                                         nonce, key) == 0 else { return nil }
        return Array(out.prefix(Int(written)))
    }
}
