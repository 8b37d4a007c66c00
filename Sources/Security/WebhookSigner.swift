import CSodium
import Core

/// The MAC of a webhook delivery (`WebhookSignature`): HMAC-SHA256 under the webhook's secret,
/// which may be any length, compared in constant time.
public enum WebhookSigner {
    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var state = crypto_auth_hmacsha256_state()
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        _ = crypto_auth_hmacsha256_init(&state, key, key.count)
        _ = crypto_auth_hmacsha256_update(&state, message, UInt64(message.count))
        _ = crypto_auth_hmacsha256_final(&state, &out)
        return out
    }

    /// True when any of the signature's MACs is the MAC of `body` at its timestamp. Every MAC
    /// given is compared (in constant time each), so the time taken does not say which matched.
    public static func verifies(_ signature: WebhookSignature, body: [UInt8], key: [UInt8]) -> Bool {
        let expected = mac(key: key, message: WebhookSignature.message(timestamp: signature.timestamp, body: body))
        var matched = false
        for candidate in signature.macs where candidate.count == expected.count {
            if sodium_memcmp(candidate, expected, expected.count) == 0 { matched = true }
        }
        return matched
    }

    /// A fresh secret for a webhook: 32 random bytes as 64 hex digits (what a sender keys its
    /// HMAC with, as text).
    public static func newSecret() -> String {
        SecretHasher.randomBytes(32).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }
}
