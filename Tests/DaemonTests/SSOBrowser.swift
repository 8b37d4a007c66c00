import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// A browser for single sign-on tests: follows no redirect by itself (each hop is asserted),
/// keeps cookies by name, and sends them to every host it visits (the daemon and the IdP are
/// both 127.0.0.1, as cookies see it).
final class SSOBrowser: @unchecked Sendable {
    struct Page {
        let status: Int
        let location: String?
        let body: String
        let setCookies: [String]
    }

    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    var cookies: [String: String] = [:]

    func get(_ url: String) async throws -> Page { try await send(HTTPClientRequest(url: url)) }

    /// Posts a form, as a browser does an IdP's auto-posting page.
    func post(_ url: String, form: [(String, String)]) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request)
    }

    /// The action and hidden fields of the page's form (an IdP's auto-post page).
    static func form(_ page: Page) -> (action: String, fields: [(String, String)])? {
        guard let action = page.body.firstMatch(of: /action="([^"]+)"/)?.1 else { return nil }
        let fields = page.body.matches(of: /name="([^"]+)" value="([^"]*)"/).map { (String($0.1), String($0.2)) }
        return (String(action).replacingOccurrences(of: "&amp;", with: "&"), fields.map { ($0.0, $0.1.replacingOccurrences(of: "&amp;", with: "&")) })
    }

    private func send(_ original: HTTPClientRequest) async throws -> Page {
        var request = original
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        request.headers.add(name: "User-Agent", value: "sso-tests")
        let response = try await Self.http.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 1 << 20)
        let set = response.headers["Set-Cookie"]
        for header in set {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard pair.count == 2 else { continue }
            if header.contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
        }
        return Page(status: Int(response.status.code), location: response.headers.first(name: "Location"),
                    body: buffer.readString(length: buffer.readableBytes) ?? "", setCookies: set)
    }

    /// `/auth/login/NAME` on `daemon`, through the IdP, back to the callback: the callback's page.
    func signIn(_ base: String, provider: String = "corp", returnTo: String = "/") async throws -> Page {
        let start = try await get(base + "/auth/login/\(provider)?return_to=\(returnTo)")
        try #require(start.status == 302, "login answered \(start.status): \(start.body)")
        let authorize = try #require(start.location)
        let idp = try await get(authorize)
        try #require(idp.status == 302, "the IdP answered \(idp.status): \(idp.body)")
        return try await get(try #require(idp.location))
    }

    static func query(_ url: String, _ name: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }
}
