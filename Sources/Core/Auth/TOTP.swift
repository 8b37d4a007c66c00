/// Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits), the kind
/// every authenticator app shows. Pure: the time is passed in.
public struct TOTP: Sendable, Hashable {
    public let secret: [UInt8]
    public let digits: Int
    public let stepSeconds: Int64

    public init(secret: [UInt8], digits: Int = 6, stepSeconds: Int64 = 30) {
        self.secret = secret
        self.digits = digits
        self.stepSeconds = stepSeconds
    }

    /// The time step `now` falls in.
    public func step(at now: Instant) -> Int64 {
        now.millisecondsSinceEpoch / 1000 / stepSeconds
    }

    /// The code for a time step (RFC 4226 dynamic truncation).
    public func code(step: Int64) -> String {
        var counter = [UInt8](repeating: 0, count: 8)
        for index in 0..<8 { counter[7 - index] = UInt8(truncatingIfNeeded: UInt64(step) >> UInt64(index * 8)) }
        let mac = SHA1.hmac(key: secret, message: counter)
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset]) & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16
            | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(binary % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step whose code `code` is, within `window` steps either side of now (clock drift),
    /// and later than `lastUsedStep` (a code works once); nil if none.
    public func matchingStep(_ code: String, at now: Instant, window: Int64 = 1, after lastUsedStep: Int64?) -> Int64? {
        guard code.count == digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        let current = step(at: now)
        for candidate in (current - window)...(current + window) {
            if let lastUsedStep, candidate <= lastUsedStep { continue }
            // Compare every character even after a mismatch, so timing does not reveal the prefix.
            let expected = Array(self.code(step: candidate).utf8)
            let given = Array(code.utf8)
            var difference: UInt8 = 0
            for index in 0..<digits { difference |= expected[index] ^ given[index] }
            if difference == 0 { return candidate }
        }
        return nil
    }

    /// The `otpauth://` URI authenticator apps scan (as a QR code) or accept pasted.
    public func provisioningURI(account: String, issuer: String = "agentd") -> String {
        func escape(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                let allowed = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || [45, 46, 95, 126].contains(byte)
                out += allowed ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
            return out
        }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(Base32.encode(secret))&issuer=\(escape(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(stepSeconds)"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
