import Core
import HTTPTypes
import Hummingbird
import Platform

/// Gives every request an ID and puts it on every response as `X-Request-Id`.
///
/// A caller's own `X-Request-Id` is kept when it is 1–64 characters of `A-Za-z0-9-_.:`, so that
/// one ID can follow a request through several systems; anything else is replaced.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AgentRequestContext
    let clock: WallClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[.requestID].flatMap(Self.sanitised) ?? RequestID.generate(at: clock.now()).rawValue
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    static func sanitised(_ value: String) -> String? {
        guard (1...64).contains(value.utf8.count),
              value.utf8.allSatisfy({ byte in
                  (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                      || byte == 45 || byte == 95 || byte == 46 || byte == 58
              }) else { return nil }
        return value
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
