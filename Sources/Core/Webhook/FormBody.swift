/// An `application/x-www-form-urlencoded` body as a JSON object: each field's value is a
/// string, and a field given more than once is an array of its values, in order.
public enum FormBody {
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        var object: [String: JSONValue] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty else { return nil }
            guard let value = parts.count == 2 ? decode(parts[1]) : "" else { return nil }
            switch object[name] {
            case nil:
                object[name] = .string(value)
            case .array(let values)?:
                object[name] = .array(values + [.string(value)])
            case let first?:
                object[name] = .array([first, .string(value)])
            }
        }
        return .object(object)
    }

    /// Percent-decoding with `+` as a space; nil for a malformed escape or bytes that are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var units = text.utf8.makeIterator()
        while let unit = units.next() {
            switch unit {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = units.next(), let low = units.next(),
                      let value = WebhookSignature.hexBytes(Substring(String(decoding: [high, low], as: UTF8.self)))?.first else { return nil }
                bytes.append(value)
            default: bytes.append(unit)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
