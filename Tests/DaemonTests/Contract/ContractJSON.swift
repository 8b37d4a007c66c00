import Foundation

/// A JSON value as the contract checker reads it: documents and bodies. Decoded with
/// `JSONDecoder`, so `true` and `1` stay apart (JSONSerialization gives NSNumber for both).
indirect enum ContractJSON: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ContractJSON])
    case object([String: ContractJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ContractJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ContractJSON].self)) }
    }

    static func parse(_ data: Data) -> ContractJSON? { try? JSONDecoder().decode(ContractJSON.self, from: data) }

    subscript(key: String) -> ContractJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var number: Double? { if case .number(let value) = self { value } else { nil } }
    var array: [ContractJSON]? { if case .array(let value) = self { value } else { nil } }
    var object: [String: ContractJSON]? { if case .object(let value) = self { value } else { nil } }

    /// The JSON Schema type names this value has (an integral number is both).
    var typeNames: Set<String> {
        switch self {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .number(let value): value.rounded() == value && value.isFinite ? ["number", "integer"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }

    /// Short text for messages.
    var brief: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): value.rounded() == value && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
        case .string(let value): "\"\(value.prefix(60))\""
        case .array(let items): "an array of \(items.count)"
        case .object: "an object"
        }
    }
}
