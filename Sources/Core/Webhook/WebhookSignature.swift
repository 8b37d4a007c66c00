/// The signature a sender puts in the `Agentd-Signature` header of a webhook delivery:
///
///     Agentd-Signature: t=1765000000,v1=5f2b…(64 hex digits)
///
/// `t` is the sender's Unix time in seconds; each `v1` is the hex HMAC-SHA256, under the
/// webhook's secret, of `"<t>.<body>"` (the raw body bytes). More than one `v1` may be given
/// (a sender signing with an old and a new secret while it rotates). Parsing and the freshness
/// rule are here, pure; the MAC is computed in Security (`WebhookSigner`).
public struct WebhookSignature: Hashable, Sendable {
    public static let header = "Agentd-Signature"
    /// The sender's id for a delivery; a second delivery with the same id is a replay.
    public static let deliveryHeader = "Agentd-Delivery"
    /// Most `v1` values one header may carry.
    public static let maximumSignatures = 4

    /// Unix seconds.
    public let timestamp: Int64
    public let macs: [[UInt8]]

    public init(timestamp: Int64, macs: [[UInt8]]) {
        self.timestamp = timestamp
        self.macs = macs
    }

    /// Nil when the header is not `t=<digits>,v1=<64 hex>[,v1=…]` (unknown keys are ignored, so a
    /// sender may add a `v2` later).
    public static func parse(_ header: String) -> WebhookSignature? {
        guard header.utf8.count <= 1024 else { return nil }
        var timestamp: Int64?
        var macs: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.trimmingSpaces.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            switch pair[0] {
            case "t":
                guard timestamp == nil, pair[1].count <= 12, pair[1].allSatisfy(\.isASCIIDigit), let value = Int64(pair[1]) else { return nil }
                timestamp = value
            case "v1":
                guard let mac = hexBytes(pair[1]), mac.count == 32, macs.count < maximumSignatures else { return nil }
                macs.append(mac)
            default:
                continue
            }
        }
        guard let timestamp, !macs.isEmpty else { return nil }
        return WebhookSignature(timestamp: timestamp, macs: macs)
    }

    /// What is signed: `"<t>.<body>"`.
    public static func message(timestamp: Int64, body: [UInt8]) -> [UInt8] {
        Array("\(timestamp).".utf8) + body
    }

    /// Whether `t` is within `toleranceSeconds` of `now`, either way (a sender's clock may run
    /// ahead): outside it the delivery is `expired`, whatever its MAC.
    public func isFresh(now: Instant, toleranceSeconds: Int64) -> Bool {
        abs(now.millisecondsSinceEpoch / 1000 - timestamp) <= toleranceSeconds
    }

    /// The header for `body` at `timestamp` given its MAC (for agentctl's and the tests' senders).
    public static func header(timestamp: Int64, mac: [UInt8]) -> String {
        "t=\(timestamp),v1=" + mac.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for unit in text.utf8 {
            let value: UInt8
            switch unit {
            case 0x30...0x39: value = unit - 0x30
            case 0x61...0x66: value = unit - 0x61 + 10
            case 0x41...0x46: value = unit - 0x41 + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }
}
