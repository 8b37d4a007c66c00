import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOHTTP1

/// Talks to an OpenAI-compatible `/chat/completions` endpoint, whole or streamed, and says
/// what went wrong in the engine's terms: 429 (with Retry-After), 5xx, timeouts, broken
/// connections and streams cut short are retryable; other 4xx are not.
/// A failed call, with what had already arrived of a streamed answer (its usage is charged:
/// the tokens were generated).
struct ChatFailure: Error {
    let error: StepError
    let partial: ChatResult?

    init(_ error: StepError, partial: ChatResult? = nil) {
        self.error = error
        self.partial = partial
    }
}

struct ChatClient: Sendable {
    /// Past the egress policy: a denied model server is an `egress_denied` failure.
    let http: OutboundHTTP

    /// A whole answer is at most this big; a stream's events too.
    static let maximumResponseBytes = 8 << 20

    /// Sends one request. `onText` gets each streamed piece of text as it arrives. `org`: whose
    /// `[egress.orgs.…]` rules apply besides the site's (nil: the site's alone); `environment`:
    /// whose egress lists apply too (a step's execution's).
    func send(_ chat: ChatRequest, to url: String, apiKey: String?, idempotencyKey: String, timeoutMs: Int, org: OrgID? = nil,
              environment: DeployEnvironment? = nil, onText: @Sendable (String) async -> Void) async -> Result<ChatResult, ChatFailure> {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: chat.stream ? "text/event-stream" : "application/json")
        request.headers.add(name: "User-Agent", value: "agentd")
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(string: chat.body.canonicalText))
        let timeout = TimeAmount.milliseconds(Int64(timeoutMs))
        let deadline = NIODeadline.now() + timeout
        do {
            return try await http.execute(request, deadline: deadline, org: org, environment: environment) { response in
                try await read(response, url: url, timeoutMs: timeoutMs, onText: onText)
            }
        } catch let failure as ChatFailure {
            return .failure(failure)
        } catch let denied as EgressDenied {
            return .failure(ChatFailure(denied.stepError))
        } catch {
            return .failure(ChatFailure(classify(error, url: url, timeoutMs: timeoutMs)))
        }
    }

    private func read(_ response: HTTPClientResponse, url: String, timeoutMs: Int,
                      onText: @Sendable (String) async -> Void) async throws -> Result<ChatResult, ChatFailure> {
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let body = try? await response.body.collect(upTo: 64 * 1024)
            return .failure(ChatFailure(Self.error(status: status, headers: response.headers, body: body.map { String(buffer: $0) } ?? "")))
        }
        let isStream = response.headers.first(name: "Content-Type")?.lowercased().hasPrefix("text/event-stream") == true
        if isStream { return try await readStream(response, url: url, timeoutMs: timeoutMs, onText: onText) }
        let bytes = try await response.body.collect(upTo: Self.maximumResponseBytes)
        guard let json = Self.decode(String(buffer: bytes)), let result = ChatResult(response: json) else {
            return .failure(ChatFailure(StepError(.serverError, "the model server's answer is not a chat completion: \(Self.excerpt(String(buffer: bytes)))")))
        }
        return .success(result)
    }

    private func classify(_ error: any Error, url: String, timeoutMs: Int) -> StepError {
        switch error {
        case is CancellationError:
            return StepError(.cancelled, "cancelled")
        case is NIOTooManyBytesError:
            return StepError(.tooLarge, "the model server's answer is larger than \(Self.maximumResponseBytes) bytes")
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout:
            return StepError(.timeout, "no complete answer from the model server within \(timeoutMs) ms")
        case let error as StepError:
            return error
        case let denied as EgressDenied:
            return denied.stepError
        default:
            if Task.isCancelled { return StepError(.cancelled, "cancelled") }
            return StepError(.connection, "the model server at \(url) could not be reached or broke off: \(error)")
        }
    }

    /// Reads `data:` events until `[DONE]`; a stream that ends before it was cut short. A
    /// failure carries what arrived.
    private func readStream(_ response: HTTPClientResponse, url: String, timeoutMs: Int,
                            onText: @Sendable (String) async -> Void) async throws -> Result<ChatResult, ChatFailure> {
        var result = ChatResult()
        do {
            return try await readEvents(response, into: &result, onText: onText)
        } catch {
            return .failure(ChatFailure(classify(error, url: url, timeoutMs: timeoutMs), partial: result))
        }
    }

    private func readEvents(_ response: HTTPClientResponse, into result: inout ChatResult,
                            onText: @Sendable (String) async -> Void) async throws -> Result<ChatResult, ChatFailure> {
        var events = ServerSentEvents()
        var received = 0
        for try await buffer in response.body {
            received += buffer.readableBytes
            guard received <= Self.maximumResponseBytes else { throw NIOTooManyBytesError(maxBytes: Self.maximumResponseBytes) }
            let payloads: [String]
            do { payloads = try events.feed(buffer.readableBytesView) } catch { throw StepError(.serverError, "the model server sent a malformed stream") }
            for payload in payloads {
                if payload.trimmingCharacters(in: .whitespaces) == "[DONE]" { return .success(result) }
                guard let chunk = Self.decode(payload) else { throw StepError(.serverError, "the model server streamed an event that is not JSON: \(Self.excerpt(payload))") }
                if let message = chunk["error"]?["message"]?.stringValue { throw StepError(.serverError, "the model server failed mid-stream: \(message)") }
                let text = result.add(chunk: chunk)
                if !text.isEmpty { await onText(text) }
            }
        }
        throw StepError(.connection, "the model server's stream ended before [DONE] (after \(result.text.count) characters)")
    }

    static func error(status: Int, headers: HTTPHeaders, body: String) -> StepError {
        // OpenAI's shape {"error": {"message"}}; vLLM's older {"object": "error", "message"}; TGI's plain text.
        let decoded = decode(body)
        let detail = decoded?["error"]?["message"]?.stringValue ?? decoded?["message"]?.stringValue
        let message = detail ?? excerpt(body)
        let retryAfter = headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { min(max($0, 0), 3600) * 1000 }
        // A refused request shape is the same on every attempt, even when the server says it
        // with a 500 (llama-cpp-python does for json_schema): not retried, not a breaker failure.
        if let part = RequestRefusal.refusedPart(status: status, message: detail ?? String(body.prefix(4096))) {
            return StepError(.modelRequestRefused, "HTTP \(status) from the model server: it refused the request's \(part): \(message)")
        }
        switch status {
        case 401, 403:
            return StepError(.clientError, "HTTP \(status) from the model server: \(message). Check the model's API key "
                             + "(`agentctl secrets set` on its api_key_secret, or `agentctl models update --api-key-secret`)")
        case 429:
            return StepError(.rateLimited, "HTTP 429 from the model server: \(message)", retryAfterMs: retryAfter)
        default:
            let base = StepError.forStatus(status, retryAfterMs: retryAfter) ?? StepError(.serverError, "HTTP \(status)")
            return StepError(base.kind, "HTTP \(status) from the model server: \(message)", retryAfterMs: retryAfter)
        }
    }

    static func decode(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static func excerpt(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : (text.isEmpty ? "(empty)" : text)
    }
}
