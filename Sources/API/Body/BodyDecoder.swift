import Core
import Foundation
import Hummingbird

/// Reads and checks a JSON request body, in this order, each with its own problem code:
/// media type (`unsupported_media_type`), size (`body_too_large`), nesting
/// (`json_too_deep`), syntax (`malformed_json`), fields (`unknown_field`), then types and
/// required fields (`validation_failed`). Nothing is handed to a route until all pass.
enum BodyDecoder {
    static func decode<Body: RequestBody>(_ type: Body.Type, from request: Request, limits: RequestLimits) async throws -> Body {
        try checkContentType(request)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limits.maxBodyBytes {
            throw APIError.bodyTooLarge(limit: limits.maxBodyBytes)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limits.maxBodyBytes)
        }
        let bytes = Data(buffer.readableBytesView)
        if JSONDepth.exceeds(limits.maxJSONDepth, in: bytes) {
            throw APIError.jsonTooDeep(limit: limits.maxJSONDepth)
        }
        let top: Any
        do {
            top = try JSONSerialization.jsonObject(with: bytes, options: [])
        } catch {
            throw APIError.malformedJSON(bytes.isEmpty ? "the body is empty" : "it does not parse")
        }
        guard let object = top as? [String: Any] else {
            throw APIError.malformedJSON("the top level is not an object")
        }
        let allowed = Body.schema.fieldNames
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.unknownField(unknown, allowed: allowed)
        }
        do {
            return try JSONDecoder().decode(Body.self, from: bytes)
        } catch let error as DecodingError {
            throw ValidationError([violation(for: error)])
        }
    }

    /// Like `decode`, but a request with no body at all (no Content-Type, no or zero
    /// Content-Length) gives nil: for routes whose body fields are all optional.
    static func decodeIfPresent<Body: RequestBody>(_ type: Body.Type, from request: Request, limits: RequestLimits) async throws -> Body? {
        let length = request.headers[.contentLength].flatMap(Int.init)
        if request.headers[.contentType] == nil && (length == nil || length == 0) { return nil }
        return try await decode(type, from: request, limits: limits)
    }

    static func checkContentType(_ request: Request) throws {
        let value = request.headers[.contentType]
        let mediaType = value?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard mediaType == "application/json" || mediaType == "application/merge-patch+json" else {
            throw APIError.unsupportedMediaType(got: value)
        }
    }

    private static func violation(for error: DecodingError) -> FieldViolation {
        switch error {
        case .keyNotFound(let key, let context):
            return FieldViolation(field: path(context.codingPath + [key]), message: "is required")
        case .typeMismatch(let type, let context):
            return FieldViolation(field: path(context.codingPath), message: "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return FieldViolation(field: path(context.codingPath), message: "must be \(describe(type)), not null")
        case .dataCorrupted(let context):
            return FieldViolation(field: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            return FieldViolation(field: "", message: "does not match the schema")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map(\.stringValue).joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "a value of the documented type"
        }
    }
}
