import Client
import Foundation
import NIOHTTP1
import Testing

/// The OpenAPI document as a contract: every response the suite receives from a daemon (through
/// `TestDaemon.socket` and `.tcp`) must have a status the operation documents, a documented
/// media type, and a JSON body that its schema accepts. Mismatches are issues of the test that
/// received the response, naming the operation, the status and the schema path.
struct OpenAPIContract: Sendable {
    struct Route: Sendable {
        let method: String
        let template: String
        let segments: [String?]
        let operation: ContractJSON
    }

    let document: ContractJSON
    let routes: [Route]

    init?(document: ContractJSON) {
        guard let paths = document["paths"]?.object else { return nil }
        self.document = document
        routes = paths.flatMap { template, item in
            (item.object ?? [:]).map { method, operation in
                Route(method: method.uppercased(), template: template,
                      segments: template.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }, operation: operation)
            }
        }
    }

    /// The operation serving `method path` (query ignored); of several templates that fit, the
    /// one with the most fixed segments (`/secrets/versions` before `/secrets/{x}`). As in the
    /// router, a fixed segment wins over a parameter whatever the method: PUT on
    /// `/environments/diff` (GET only) is a 405, not `PUT /environments/{environment}`.
    func route(_ method: String, _ path: String) -> Route? {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        let parts = bare.split(separator: "/").map(String.init)
        let method = method == "HEAD" ? "GET" : method
        let fitting = routes.filter { $0.segments.count == parts.count && zip($0.segments, parts).allSatisfy { fixed, part in fixed == nil || fixed == part } }
        let fixed = { (route: Route) in route.segments.compactMap { $0 }.count }
        guard let most = fitting.map(fixed).max() else { return nil }
        return fitting.first { $0.method == method && fixed($0) == most }
    }

    /// What is wrong with `response` to `method path`; empty when it keeps the contract.
    /// A path no operation serves (404 `route_not_found`, 405) is not checked: it has no contract.
    func mismatches(method: String, path: String, response: ClientResponse) -> [String] {
        guard let route = route(method, path) else { return [] }
        let name = "\(route.operation["operationId"]?.string ?? "?") (\(route.method) \(route.template)) answered \(response.status)"
        guard let documented = route.operation["responses"]?[String(response.status)] ?? route.operation["responses"]?["default"] else {
            let statuses = (route.operation["responses"]?.object ?? [:]).keys.sorted().joined(separator: ", ")
            return ["\(name): status \(response.status) is not documented (documented: \(statuses)); body: \(String(decoding: response.body.prefix(300), as: UTF8.self))"]
        }
        let schemaBase = "#/paths/\(route.template.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1"))/\(route.method.lowercased())/responses/\(response.status)"
        guard let content = documented["content"]?.object, !content.isEmpty else {
            return response.body.isEmpty ? [] : ["\(name): the document says no body, but it has \(response.body.count) bytes"]
        }
        if method == "HEAD" { return [] }
        let sent = response.header("Content-Type")
        let mediaType = sent.map(Self.mediaType) ?? ""
        guard let (documentedType, entry) = content.first(where: { Self.mediaType($0.key) == mediaType }) else {
            return ["\(name): Content-Type `\(sent ?? "none")` is not documented (documented: \(content.keys.sorted().joined(separator: ", ")))"]
        }
        guard mediaType == "application/json" || mediaType.hasSuffix("+json"), let schema = entry["schema"] else { return [] }
        guard let body = ContractJSON.parse(response.body) else {
            return ["\(name): the body is not JSON: \(String(decoding: response.body.prefix(200), as: UTF8.self))"]
        }
        let validator = SchemaValidator(root: document)
        let pointer = schemaBase + "/content/" + documentedType.replacingOccurrences(of: "/", with: "~1") + "/schema"
        return validator.validate(body, schema, schemaPath: pointer).map { "\(name): the body breaks its schema \($0)" }
    }

    static func mediaType(_ value: String) -> String {
        (value.split(separator: ";").first.map(String.init) ?? value).trimmingCharacters(in: .whitespaces).lowercased()
    }
}

/// The document, loaded once for the whole suite from the first daemon that serves it (every
/// daemon of the suite runs the same binary).
actor ContractDocument {
    static let shared = ContractDocument()
    private(set) var contract: OpenAPIContract?

    /// Loads the document over `socketPath` unless it is loaded already; with a client that has
    /// no observer (its own response is not checked against itself).
    func load(socketPath: String) async {
        guard contract == nil else { return }
        guard let response = try? await AgentClient(endpoint: .socket(socketPath)).send(.GET, "/api/v1/openapi.json"),
              response.status == 200, let document = ContractJSON.parse(response.body) else { return }
        contract = OpenAPIContract(document: document)
    }

    /// The observer `TestDaemon` gives its clients: each mismatch is an issue of the running test.
    static let observer: @Sendable (HTTPMethod, String, ClientResponse) async -> Void = { method, path, response in
        guard let contract = await ContractDocument.shared.contract else { return }
        for mismatch in contract.mismatches(method: method.rawValue, path: path, response: response) {
            Issue.record(Comment(rawValue: "OpenAPI contract: " + mismatch))
        }
    }
}
