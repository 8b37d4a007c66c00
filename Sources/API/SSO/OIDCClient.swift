import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// What an IdP's discovery document says (OpenID Connect Discovery 1.0 §3).
struct OIDCDiscovery: Sendable, Equatable {
    let issuer: String
    let authorizationEndpoint: String
    let tokenEndpoint: String
    let jwksURI: String
    let userinfoEndpoint: String?
    let endSessionEndpoint: String?
    let signingAlgorithms: [String]
    let codeChallengeMethods: [String]?
}

/// The IdP's tokens for an authorization code.
struct OIDCTokens: Sendable {
    let idToken: String
    let accessToken: String?
}

/// Why talking to the IdP failed: unreachable, or it answered what the protocol does not allow.
/// `reason` is for the admin and the log; it never holds a token or the client secret.
struct OIDCUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// The relying party's calls to an IdP over HTTP(S): discovery, JWKS, the token endpoint,
/// userinfo. Each call gets its own client (a login makes one or two calls; discovery and keys are
/// cached by `OIDCProviderCache`), trusting the provider's CA file when it names one, following
/// no redirects, with a time limit and a cap on what it reads.
struct OIDCClient: Sendable {
    static let timeoutSeconds: Int64 = 10
    static let maximumBytes = 1 << 20

    let caFile: String?

    func discover(issuer: String) async throws -> OIDCDiscovery {
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let (status, body) = try await call(.GET, trimmed + "/.well-known/openid-configuration")
        guard status == 200, case .object(let document)? = try? JSONParser.parse(bytes: body) else {
            throw OIDCUnavailable(reason: "discovery at \(trimmed)/.well-known/openid-configuration answered \(status), not an OpenID configuration")
        }
        func text(_ key: String) -> String? { if case .string(let value)? = document[key], !value.isEmpty { value } else { nil } }
        func texts(_ key: String) -> [String]? {
            guard case .array(let values)? = document[key] else { return nil }
            return values.compactMap { if case .string(let value) = $0 { value } else { nil } }
        }
        // OIDC Discovery §4.3: the issuer in the document must be exactly the one configured.
        guard let found = text("issuer"), found == issuer else {
            throw OIDCUnavailable(reason: "the discovery document names issuer \(text("issuer") ?? "(none)"), not \(issuer): "
                                  + "copy the issuer exactly as the IdP shows it (trailing slash included)")
        }
        guard let authorization = text("authorization_endpoint"), let token = text("token_endpoint"), let jwks = text("jwks_uri") else {
            throw OIDCUnavailable(reason: "the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri")
        }
        return OIDCDiscovery(issuer: found, authorizationEndpoint: authorization, tokenEndpoint: token, jwksURI: jwks,
                             userinfoEndpoint: text("userinfo_endpoint"), endSessionEndpoint: text("end_session_endpoint"),
                             signingAlgorithms: texts("id_token_signing_alg_values_supported") ?? ["RS256"],
                             codeChallengeMethods: texts("code_challenge_methods_supported"))
    }

    func jwks(_ url: String) async throws -> Data {
        let (status, body) = try await call(.GET, url)
        guard status == 200 else { throw OIDCUnavailable(reason: "the JWKS at \(url) answered \(status)") }
        return Data(body)
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3 with RFC 7636's verifier). A
    /// confidential client authenticates with HTTP Basic (client_secret_basic, §2.3.1); a public
    /// one sends its client_id in the form.
    func exchange(code: String, verifier: String, redirectURI: String, clientID: String, clientSecret: String?,
                  at endpoint: String) async throws -> OIDCTokens {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier)]
        var headers = HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")])
        if let clientSecret {
            let pair = Self.formEncoded(clientID) + ":" + Self.formEncoded(clientSecret)
            headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
        } else {
            form.append(("client_id", clientID))
        }
        let (status, body) = try await call(.POST, endpoint, headers: headers, body: Self.form(form))
        guard case .object(let answer)? = try? JSONParser.parse(bytes: body) else {
            throw OIDCUnavailable(reason: "the token endpoint answered \(status) without JSON")
        }
        guard status == 200 else {
            // RFC 6749 §5.2: error and error_description say what the IdP disliked.
            let error = if case .string(let value)? = answer["error"] { value } else { "unknown" }
            let detail = if case .string(let value)? = answer["error_description"] { ": " + value.prefix(200) } else { "" }
            throw OIDCUnavailable(reason: "the token endpoint refused the code (\(status) \(error)\(detail))")
        }
        guard case .string(let idToken)? = answer["id_token"] else {
            throw OIDCUnavailable(reason: "the token endpoint sent no id_token: is `openid` among the scopes?")
        }
        let accessToken: String? = if case .string(let value)? = answer["access_token"] { value } else { nil }
        return OIDCTokens(idToken: idToken, accessToken: accessToken)
    }

    func userinfo(_ endpoint: String, accessToken: String) async throws -> JSONValue {
        let (status, body) = try await call(.GET, endpoint, headers: HTTPHeaders([("Authorization", "Bearer " + accessToken),
                                                                                   ("Accept", "application/json")]))
        guard status == 200, let claims = try? JSONParser.parse(bytes: body), case .object = claims else {
            throw OIDCUnavailable(reason: "userinfo answered \(status) without a JSON object (a signed userinfo is not supported)")
        }
        return claims
    }

    /// The HTTP status `url` answers a plain GET with (an IdP's SSO endpoint answers one even
    /// without a request); throws when nothing answers.
    func status(of url: String) async throws -> Int { try await call(.GET, url).0 }

    private func call(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: String? = nil) async throws -> (Int, [UInt8]) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(5)
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            configuration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        do {
            let response = try await client.execute(request, timeout: .seconds(Self.timeoutSeconds))
            var buffer = try await response.body.collect(upTo: Self.maximumBytes)
            try? await client.shutdown()
            return (Int(response.status.code), buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            try? await client.shutdown()
            throw OIDCUnavailable(reason: "\(url) could not be reached: \(error)")
        }
    }

    /// `application/x-www-form-urlencoded` (RFC 6749 Appendix B).
    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { formEncoded($0.0) + "=" + formEncoded($0.1) }.joined(separator: "&")
    }

    static func formEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
