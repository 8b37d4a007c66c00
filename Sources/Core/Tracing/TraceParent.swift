/// A W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header):
/// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, whose flags' low bit says the caller
/// sampled the trace. What a later version adds after the four fields is ignored, as the
/// recommendation asks; version `ff`, upper-case hex and all-zero ids are refused.
public struct TraceParent: Sendable, Hashable {
    public var traceID: TraceID
    public var spanID: SpanID
    public var sampled: Bool

    public init(traceID: TraceID, spanID: SpanID, sampled: Bool) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    public init?(_ header: String) {
        let bytes = Array(header.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
              let version = Hex.value(bytes[0..<2]), version != 0xff,
              let high = Hex.value(bytes[3..<19]), let low = Hex.value(bytes[19..<35]), let span = Hex.value(bytes[36..<52]),
              let flags = Hex.value(bytes[53..<55])
        else { return nil }
        // Version 00 is exactly 55 characters; a later one may carry more after a dash.
        if version == 0 ? bytes.count != 55 : (bytes.count > 55 && bytes[55] != UInt8(ascii: "-")) { return nil }
        guard high | low != 0, span != 0 else { return nil }
        self.init(traceID: TraceID(high: high, low: low), spanID: SpanID(span), sampled: flags & 1 == 1)
    }

    public var header: String {
        var bytes: [UInt8] = Array("00-".utf8)
        bytes.reserveCapacity(55)
        Hex.append(traceID.high, to: &bytes)
        Hex.append(traceID.low, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Hex.append(spanID.rawValue, to: &bytes)
        bytes.append(contentsOf: sampled ? Array("-01".utf8) : Array("-00".utf8))
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A trace's 16-byte id.
public struct TraceID: Sendable, Hashable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Big-endian, as OTLP carries it.
    public var bytes: [UInt8] { SpanID(high).bytes + SpanID(low).bytes }
}

/// A span's 8-byte id.
public struct SpanID: Sendable, Hashable {
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Big-endian, as OTLP carries it.
    public var bytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: rawValue >> (56 - 8 * $0)) } }
}

/// Lower-case hexadecimal, the only case the header allows.
enum Hex {
    static func value(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt64(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt64(digit - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        return value
    }

    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xf
            bytes.append(nibble < 10 ? nibble + UInt8(ascii: "0") : nibble - 10 + UInt8(ascii: "a"))
        }
    }
}

/// The sampling decision for a new trace (OpenTelemetry's TraceIdRatioBased): sampled when the
/// id's low eight bytes fall under the ratio, so every service that samples by the same rule
/// agrees on the same trace.
public enum TraceSampling {
    public static func sampled(_ traceID: TraceID, ratio: Double) -> Bool {
        if ratio >= 1 { return true }
        if ratio <= 0 { return false }
        return traceID.low & (UInt64.max >> 1) < UInt64(ratio * Double(UInt64.max >> 1))
    }
}
