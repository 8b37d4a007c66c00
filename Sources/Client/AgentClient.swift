import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where a daemon answers: its Unix socket (the default) or an HTTP base URL.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    case socket(String)
    case url(String)

    public var description: String {
        switch self {
        case .socket(let path): "socket \(path)"
        case .url(let url): url
        }
    }
}

/// A response as the client saw it.
public struct ClientResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: Data

    public init(status: Int, headers: [(String, String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The body decoded as a JSON object (nil if it is not one).
    public var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }
}

/// An RFC 9457 problem as agentd sends it.
public struct ProblemDetails: Sendable, Decodable, Hashable {
    public let title: String
    public let status: Int
    public let detail: String
    public let code: String
    public let requestId: String?
    /// Each field or definition path that broke a rule (validation problems).
    public let errors: [Field]?

    public struct Field: Sendable, Decodable, Hashable {
        public let field: String
        public let message: String
    }

    enum CodingKeys: String, CodingKey { case title, status, detail, code, requestId = "request_id", errors }
}

public enum ClientError: Error, CustomStringConvertible {
    /// The daemon answered with a problem.
    case problem(ProblemDetails)
    /// Nothing answered at the endpoint.
    case unreachable(Endpoint, String)
    /// Something answered, but not as agentd would.
    case unexpected(status: Int, String)

    public var description: String {
        switch self {
        case .problem(let problem): "\(problem.title) (\(problem.code)): \(problem.detail)"
        case .unreachable(let endpoint, let reason): "cannot reach agentd at \(endpoint): \(reason)"
        case .unexpected(let status, let body): "unexpected answer (HTTP \(status)): \(body.prefix(200))"
        }
    }
}

/// Talks HTTP to a daemon, over its Unix socket or TCP. Used by agentctl and by the tests.
public struct AgentClient: Sendable {
    public let endpoint: Endpoint
    private let http: HTTPClient
    public var timeout: TimeAmount = .seconds(30)
    /// Sent as `Authorization: Bearer …` when set (an API key or a session token).
    public var bearerToken: String?
    /// Sent with every request (e.g. `X-Agentd-Org` for a socket user in several orgs).
    public var extraHeaders: [(String, String)] = []
    /// Responses larger than this are refused (a status answer is a few KiB).
    public var maxResponseBytes = 64 << 20
    /// Called with every response this client receives: the method, the path (with its query)
    /// and the response (for an event stream, its status and headers, without the events). An
    /// observer only (the tests check each response against the OpenAPI document with it): it
    /// cannot change what the caller gets.
    public var onResponse: (@Sendable (_ method: HTTPMethod, _ path: String, _ response: ClientResponse) async -> Void)?

    /// The HTTP client agentctl uses: it fails at once when nothing listens, rather than
    /// retrying the connection until the request deadline (AsyncHTTPClient's default).
    public static let failFastHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(endpoint: Endpoint, http: HTTPClient = AgentClient.failFastHTTPClient) {
        self.endpoint = endpoint
        self.http = http
    }

    /// Sends one request and returns whatever came back, problem or not.
    public func send(_ method: HTTPMethod, _ path: String, body: Data? = nil,
                     headers: [(String, String)] = []) async throws -> ClientResponse {
        var request = HTTPClientRequest(url: url(for: path))
        request.method = method
        if let bearerToken, !headers.contains(where: { $0.0.lowercased() == "authorization" }) {
            request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)")
        }
        for (name, value) in extraHeaders + headers { request.headers.add(name: name, value: value) }
        if let body {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw ClientError.unreachable(endpoint, String(describing: error))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maxResponseBytes)
        } catch {
            throw ClientError.unexpected(status: Int(response.status.code), "the response body could not be read: \(error)")
        }
        let received = ClientResponse(status: Int(response.status.code),
                                      headers: response.headers.map { ($0.name, $0.value) },
                                      body: Data(buffer.readableBytesView))
        await onResponse?(method, path, received)
        return received
    }

    /// Sends a request whose success is a JSON body (or none); a problem becomes `ClientError.problem`.
    public func call(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws -> ClientResponse {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try await send(method, path, body: body)
        guard (200..<300).contains(response.status) else {
            if let problem = try? JSONDecoder().decode(ProblemDetails.self, from: response.body) {
                throw ClientError.problem(problem)
            }
            throw ClientError.unexpected(status: response.status, String(decoding: response.body, as: UTF8.self))
        }
        return response
    }

    /// Follows a server-sent event stream, calling `onEvent` with each event's id, type and data
    /// as they arrive, until the server ends the stream (or `onEvent` returns false).
    public func events(_ path: String, lastEventID: Int? = nil,
                       onEvent: (_ id: Int?, _ type: String, _ data: String) async throws -> Bool) async throws {
        var request = HTTPClientRequest(url: url(for: path))
        request.method = .GET
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
        for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(24))
        } catch {
            throw ClientError.unreachable(endpoint, String(describing: error))
        }
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            let data = Data(body.readableBytesView)
            await onResponse?(.GET, path, ClientResponse(status: Int(response.status.code),
                                                         headers: response.headers.map { ($0.name, $0.value) }, body: data))
            if let problem = try? JSONDecoder().decode(ProblemDetails.self, from: data) { throw ClientError.problem(problem) }
            throw ClientError.unexpected(status: Int(response.status.code), String(decoding: data, as: UTF8.self))
        }
        await onResponse?(.GET, path, ClientResponse(status: Int(response.status.code),
                                                     headers: response.headers.map { ($0.name, $0.value) }, body: Data()))
        var pending = ""
        var id: Int?, type = "message", data = ""
        for try await chunk in response.body {
            pending += String(buffer: chunk)
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
                if line.isEmpty {
                    if !data.isEmpty || type != "message" {
                        guard try await onEvent(id, type, data) else { return }
                    }
                    id = nil
                    type = "message"
                    data = ""
                } else if line.hasPrefix("id: ") {
                    id = Int(line.dropFirst(4))
                } else if line.hasPrefix("event: ") {
                    type = String(line.dropFirst(7))
                } else if line.hasPrefix("data: ") {
                    data += (data.isEmpty ? "" : "\n") + line.dropFirst(6)
                }
            }
        }
    }

    private func url(for path: String) -> String {
        switch endpoint {
        case .socket(let socketPath):
            let encoded = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? socketPath
            return "http+unix://\(encoded)\(path)"
        case .url(let base):
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
        }
    }
}
