import Core
import CSodium

/// SHA-256 from libsodium: the digest of the audit hash chain (`AuditChain`). A standard
/// function, so an auditor can re-check an exported chain with any tool.
public enum ChainDigest {
    /// Initialises libsodium once; safe to call repeatedly and from any thread.
    public static func prepare() -> Bool { sodium_init() >= 0 }

    public static let sha256: AuditChain.Digest = { bytes in
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = bytes.withUnsafeBufferPointer { input in
            crypto_hash_sha256(&out, input.baseAddress, UInt64(input.count))
        }
        return out
    }
}
