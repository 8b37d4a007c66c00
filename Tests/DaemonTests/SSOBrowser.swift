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

    func get(_ url: String) async throws -> Page {
        var request = HTTPClientRequest(url: url)
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
