/// A secret value as stored: self-describing (format version, master key id), with its own
/// data key wrapped by the master key. The one sealed form: the vault (`Security/Vault`) makes
/// and opens it, the secret store (`Storage`) keeps it, and neither converts it.
///
/// Only bytes, no key material: holding one reveals nothing without the master key it names,
/// and it opens only at the `SecretRef` it was sealed for.
public struct SealedSecret: Hashable, Sendable {
    /// The envelope's format, bound into the associated data: a value sealed by another format
    /// does not open as this one.
    public static let formatVersion: UInt8 = 1
    /// The master key that wrapped `wrappedKey` (stored beside it, so a rotation finds it).
    public let keyID: String
    /// nonce ‖ XChaCha20-Poly1305(data key), under the master key.
    public let wrappedKey: [UInt8]
    /// nonce ‖ XChaCha20-Poly1305(value), under the data key.
    public let ciphertext: [UInt8]

    public init(keyID: String, wrappedKey: [UInt8], ciphertext: [UInt8]) {
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.ciphertext = ciphertext
    }
}
