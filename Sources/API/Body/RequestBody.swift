import Core

/// A JSON request body a route accepts. Its `schema` lists the fields: it is what the OpenAPI
/// document shows, and a body with any other top-level field is refused with `unknown_field`.
public protocol RequestBody: Decodable, Sendable {
    static var schema: ObjectSchema { get }
}

/// The fields of a JSON object body.
public struct ObjectSchema: Sendable {
    public struct Field: Sendable {
        public let name: String
        public let schema: JSON
        public let required: Bool
        public let description: String

        public init(_ name: String, _ schema: JSON, required: Bool = false, _ description: String) {
            self.name = name
            self.schema = schema
            self.required = required
            self.description = description
        }
    }

    public let fields: [Field]

    public init(_ fields: [Field]) { self.fields = fields }

    public var fieldNames: [String] { fields.map(\.name) }

    /// The JSON Schema of the object, for the OpenAPI document.
    public var json: JSON {
        var properties: [String: JSON] = [:]
        for field in fields {
            var schema = field.schema
            if case .object(var object) = schema {
                object["description"] = .string(field.description)
                schema = .object(object)
            }
            properties[field.name] = schema
        }
        return [
            "type": "object",
            "additionalProperties": false,
            "required": .array(fields.filter(\.required).map { .string($0.name) }),
            "properties": .object(properties),
        ]
    }
}
