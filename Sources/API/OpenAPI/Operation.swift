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
    /// The problem statuses this operation can answer with, besides the common ones.
    public let problems: [Int]

    public init(id: String, summary: String, tag: String,
                query: [(name: String, schema: JSON, description: String)] = [],
                requestBody: JSON? = nil, requestBodyRequired: Bool = true, success: (status: Int, schema: JSON?, contentType: String),
                problems: [Int] = []) {
        self.id = id
        self.summary = summary
        self.tag = tag
        self.query = query
        self.requestBody = requestBody
        self.requestBodyRequired = requestBodyRequired
        self.success = success
        self.problems = problems
    }
}
