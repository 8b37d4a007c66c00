import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOHTTP1

/// `http`: a request to an internal service (DESIGN §6). Breaker- and retry-aware: an open
/// breaker fails fast (retryable); 5xx, 429 (with Retry-After), timeouts and connection
/// failures are retryable; other 4xx are not. The response is capped.
struct HTTPRunner: StepRunner {
    /// Past the egress policy; redirects are not followed.
    let client: OutboundHTTP
    let breakers: CircuitBreakers
    let now: @Sendable () -> Instant

    static let defaultMaxResponseBytes = 1 << 20

    func run(_ step: StepInvocation) async -> StepOutcome {
        let config = step.config
        guard let urlText = config["url"]?.stringValue, let url = URL(string: urlText), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            return .failed(StepError(.validation, "url must be an http:// or https:// URL; got \(config["url"]?.canonicalText ?? "nothing")"))
        }
        // Numbers are read (and refused when unusable) before anything is sent.
        let timeoutMs: Int, limit: Int, expected: [Int]?
        do {
            timeoutMs = min(try StepKind.http.integer("timeout_ms", in: config) ?? 30_000, step.timeoutMs)
            limit = try StepKind.http.integer("max_response_bytes", in: config) ?? Self.defaultMaxResponseBytes
            expected = try StepKind.http.integers("expect_status", in: config)
        } catch {
            return .failed(error)
        }
        let endpoint = "\(host):\(url.port ?? (scheme == "https" ? 443 : 80))"
        let breaker = CircuitBreakers.Key(org: step.execution.orgID, endpoint: endpoint)
        guard breakers.allow(breaker, at: now()) else {
            return .failed(StepError(.circuitOpen, "the circuit breaker for \(endpoint) is open after repeated failures"))
        }
        var request = HTTPClientRequest(url: withQuery(urlText, config["query"]))
        let method = config["method"]?.stringValue ?? (config["body"] == nil ? "GET" : "POST")
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Idempotency-Key", value: step.idempotencyKey)
        request.headers.add(name: "User-Agent", value: "agentd")
        for (name, value) in config["headers"]?.objectValue ?? [:] {
            request.headers.replaceOrAdd(name: name, value: value.stringValue ?? value.canonicalText)
        }
        if let body = config["body"] {
            if case .string(let text) = body {
                request.body = .bytes(ByteBuffer(string: text))
                if !request.headers.contains(name: "Content-Type") { request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8") }
            } else {
                request.body = .bytes(ByteBuffer(string: body.canonicalText))
                if !request.headers.contains(name: "Content-Type") { request.headers.add(name: "Content-Type", value: "application/json") }
            }
        }
        let timeout = TimeAmount.milliseconds(Int64(timeoutMs))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            (response, bytes) = try await client.execute(request, deadline: .now() + timeout, org: step.execution.orgID,
                                                     environment: step.execution.environment) { response in
                (response, try await response.body.collect(upTo: limit))
            }
        } catch let denied as EgressDenied {
            // Refused before any connection: says nothing about the endpoint's health, so the
            // breaker does not hear of it.
            return .failed(denied.stepError)
        } catch is CancellationError {
            return .failed(StepError(.cancelled, "cancelled"))
        } catch let error as NIOTooManyBytesError {
            _ = error
            breakers.record(breaker, success: true, at: now())
            return .failed(StepError(.tooLarge, "the response is larger than max_response_bytes (\(limit))"))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            breakers.record(breaker, success: false, at: now())
            return .failed(StepError(.timeout, "no answer from \(endpoint) within \(timeout.nanoseconds / 1_000_000) ms"))
        } catch {
            if Task.isCancelled { return .failed(StepError(.cancelled, "cancelled")) }
            breakers.record(breaker, success: false, at: now())
            return .failed(StepError(.connection, "\(endpoint): \(error)"))
        }
        let status = Int(response.status.code)
        breakers.record(breaker, success: status < 500, at: now())
        // Seconds only (an HTTP date is ignored), at most an hour: a hostile or broken upstream
        // must not be able to park a step for ever, nor overflow the arithmetic.
        let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            .map { min(max($0, 0), 3600) * 1000 }
        if let expected, !expected.contains(status) {
            let error = StepError.forStatus(status, retryAfterMs: retryAfter) ?? StepError(.clientError, "HTTP \(status), expected \(expected)")
            return .failed(error)
        } else if expected == nil, let error = StepError.forStatus(status, retryAfterMs: retryAfter) {
            return .failed(error)
        }
        var headers: [String: JSONValue] = [:]
        for header in response.headers { headers[header.name.lowercased()] = .string(header.value) }
        let text = String(buffer: bytes)
        let isJSON = response.headers.first(name: "Content-Type")?.lowercased().contains("json") == true
        let body: JSONValue = isJSON ? ((try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)) : .string(text)
        return .succeeded(["status": .integer(status), "headers": .object(headers), "body": body])
    }

    private func withQuery(_ url: String, _ query: JSONValue?) -> String {
        guard let query = query?.objectValue, !query.isEmpty else { return url }
        guard var components = URLComponents(string: url) else { return url }
        let existing = components.queryItems ?? []
        components.queryItems = existing + query.keys.sorted().map {
            URLQueryItem(name: $0, value: query[$0]?.stringValue ?? query[$0]?.canonicalText)
        }
        return components.string ?? url
    }
}
