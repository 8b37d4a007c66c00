import Foundation

/// A JSON value as definitions, templates and step data hold it.
///
/// Integers and non-integral numbers are kept apart so that `3` stays `3` through a round trip
/// and a JSON Schema `integer` can be told from a `number`. Objects are unordered; anything that
/// shows them to people (YAML export, canonical hashing) sorts their keys.
public indirect enum JSONValue: Hashable, Sendable, Codable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByNilLiteral {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(nilLiteral: ()) { self = .null }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The value as a Double when it is a number of either kind.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The JSON type's name as JSON Schema spells it, for messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Compact JSON text with object keys sorted: the same value always gives the same text,
    /// so it is what content hashes are computed over.
    public var canonicalText: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    /// The value as its `canonicalText` reads back: whole numbers become integers, numbers
    /// that are not finite become null. What was stored, without parsing the stored text.
    public var canonicalized: JSONValue {
        switch self {
        case .number(let value):
            guard value.isFinite else { return .null }
            if let whole = WholeNumber.int(value, in: Self.exactWholeNumbers) { return .integer(whole) }
            guard value.rounded() == value else { return self }
            // A large whole number is written in exponent form, which the decoder reads as the
            // decimal it spells when that fits an Int: read it the same way (rare).
            return (try? JSONDecoder().decode(JSONValue.self, from: Data("\(value)".utf8))) ?? self
        case .array(let values): return .array(values.map(\.canonicalized))
        case .object(let object): return .object(object.mapValues(\.canonicalized))
        default: return self
        }
    }

    /// Whole numbers written as integers: below 10^15 every one is exact in a Double.
    static let exactWholeNumbers = -999_999_999_999_999...999_999_999_999_999

    private func writeCanonical(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .number(let value):
            if let whole = WholeNumber.int(value, in: Self.exactWholeNumbers) { out += String(whole) }
            else if value.isFinite { out += "\(value)" }
            else { out += "null" }
        case .string(let value): JSONValue.writeQuoted(value, into: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.writeCanonical(into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                JSONValue.writeQuoted(key, into: &out)
                out += ":"
                object[key]!.writeCanonical(into: &out)
            }
            out += "}"
        }
    }

    static func writeQuoted(_ string: String, into out: inout String) {
        out += "\""
        JSONStringEscaping.append(string, to: &out)
        out += "\""
    }
}
