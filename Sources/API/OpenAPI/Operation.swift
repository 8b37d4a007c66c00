/// A route's entry in the OpenAPI document.
public struct Operation: Sendable {
    public let id: String
    public let summary: String
    public let tag: String
    /// Query parameters: name → schema, description.
    public let query: [(name: String, schema: JSON, description: String)]
    /// The request body's schema (JSON object), or nil for none.
    public let requestBody: JSON?
    /// False when a request may come without any body.
    public let requestBodyRequired: Bool
    /// The success status and its body schema (nil for no body).
    public let success: (status: Int, schema: JSON?, contentType: String)
    /// The problem statuses this operation can answer with, besides the common ones that
    /// `OpenAPIDocument` derives from the route's access, parameters and body.
    public let problems: [Int]
    /// The query parameters a request must carry (the others are optional).
    public let requiredQuery: Set<String>
    /// Other media types the success status may come as (e.g. `text/event-stream` when asked
    /// for with `Accept`), with their schemas.
    public let alternativeContent: [String: JSON]
    /// Other success statuses with the same body (200 when an Idempotency-Key replays a 202).
    public let otherSuccesses: [Int]

    public init(id: String, summary: String, tag: String,
                query: [(name: String, schema: JSON, description: String)] = [],
                requestBody: JSON? = nil, requestBodyRequired: Bool = true, success: (status: Int, schema: JSON?, contentType: String),
                problems: [Int] = [], requiredQuery: Set<String> = [], alternativeContent: [String: JSON] = [:],
                otherSuccesses: [Int] = []) {
        self.id = id
        self.summary = summary
        self.tag = tag
        self.query = query
        self.requestBody = requestBody
        self.requestBodyRequired = requestBodyRequired
        self.success = success
        self.problems = problems
        self.requiredQuery = requiredQuery
        self.alternativeContent = alternativeContent
        self.otherSuccesses = otherSuccesses
    }
}
