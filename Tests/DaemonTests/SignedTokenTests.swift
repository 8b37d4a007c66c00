import Client
import Core
import Foundation
import AgentSecurity
import Testing

/// An IdP's JWKS and token signatures, against the suite's own OpenID provider over real HTTP
/// (Fixtures/oidcprovider.py): RS256 and ES256 keys it generates, rotation, and the forgeries a
/// relying party must refuse.
@Suite struct SignedTokenTests {
    /// A program's access token from the provider's client-credentials grant.
    static func token(_ provider: Upstream) async throws -> String {
        let client = AgentClient(endpoint: .url(provider.base))
        let response = try await client.send(.POST, "/token", body: Data("grant_type=client_credentials&scope=runs".utf8),
                                             headers: [("Content-Type", "application/x-www-form-urlencoded"),
                                                       ("Authorization", "Basic " + Data("agentd:s3cret".utf8).base64EncodedString())])
        return try #require(response.json?["access_token"] as? String, "\(response.status)")
    }

    static func jwks(_ provider: Upstream) async throws -> Data {
        try await AgentClient(endpoint: .url(provider.base)).send(.GET, "/jwks").body
    }

    /// `token` with its header replaced (and, unless kept, its signature emptied).
    static func reheader(_ token: String, _ header: [String: String], signature: String? = nil) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        let json = "{" + header.keys.sorted().map { "\"\($0)\":\"\(header[$0]!)\"" }.joined(separator: ",") + "}"
        return PKCE.base64url(Array(json.utf8)) + "." + parts[1] + "." + (signature ?? "")
    }

    static func kid(_ token: String) throws -> String {
        let header = try #require(token.split(separator: ".").first)
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let object = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: base64))) as? [String: Any]
        return try #require(object?["kid"] as? String)
    }

    @Test(arguments: ["RS256", "ES256"])
    func aTokenVerifiesAndItsClaimsAreChecked(alg: String) async throws {
        let provider = try await Upstream(script: "oidcprovider.py", environment: ["OIDC_ALG": alg])
        let keys = SignedTokenKeys()
        #expect(try await keys.load(jwks: try await Self.jwks(provider)).count == 1)
        let token = try await Self.token(provider)
        let payload = try await keys.verify(token)
        let claims = try #require(IDTokenClaims(json: payload))
        #expect(claims.refusal(issuer: provider.base, clientID: "agentd-api", nonce: nil, now: Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)),
                               accessToken: true) == nil)
        #expect(claims.authorizedParty == "agentd", "the program is its azp")
        #expect(claims.refusal(issuer: provider.base, clientID: "agentd", nonce: nil, now: Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)),
                               accessToken: true) == .audience(clientID: "agentd"))
    }

    @Test func forgeriesAreRefusedBeforeOrAtTheSignature() async throws {
        let provider = try await Upstream(script: "oidcprovider.py")
        let keys = SignedTokenKeys()
        try await keys.load(jwks: try await Self.jwks(provider))
        let token = try await Self.token(provider)
        let kid = try Self.kid(token)
        let signature = String(token.split(separator: ".")[2])
        func refusal(_ forged: String) async -> SignedTokenKeys.Refusal? {
            do { _ = try await keys.verify(forged); return nil } catch { return error }
        }
        #expect(await refusal(token) == nil)
        #expect(await refusal(Self.reheader(token, ["alg": "none", "kid": kid])) == .algorithm("none"))
        #expect(await refusal(Self.reheader(token, ["alg": "HS256", "kid": kid], signature: signature)) == .algorithm("HS256"))
        #expect(await refusal(Self.reheader(token, ["alg": "RS256", "kid": "not-a-key"], signature: signature)) == .unknownKey("not-a-key"))
        #expect(await refusal(Self.reheader(token, ["alg": "RS256"], signature: signature)) == .unknownKey(nil))
        // The claims changed under the original signature.
        let parts = token.split(separator: ".").map(String.init)
        let otherClaims = PKCE.base64url(Array(#"{"iss":"x","sub":"admin","aud":"agentd-api","exp":9999999999,"iat":1}"#.utf8))
        #expect(await refusal(parts[0] + "." + otherClaims + "." + parts[2]) == .signature)
        let flipped = (parts[2].first == "A" ? "B" : "A") + parts[2].dropFirst()
        #expect(await refusal(parts[0] + "." + parts[1] + "." + flipped) == .signature)
        #expect(await refusal("not.a.jwt") == .malformed)
        #expect(await refusal("onlyonepart") == .malformed)
    }

    @Test func aRotatedKeyIsTrustedOnceTheJWKSIsLoadedAgain() async throws {
        let provider = try await Upstream(script: "oidcprovider.py")
        let keys = SignedTokenKeys()
        try await keys.load(jwks: try await Self.jwks(provider))
        let old = try await Self.token(provider)
        let rotated = try await AgentClient(endpoint: .url(provider.base)).call(.POST, "/control/rotate", json: ["drop_old": true])
        #expect(rotated.status == 200)
        let new = try await Self.token(provider)
        let newKid = try Self.kid(new)
        do {
            _ = try await keys.verify(new)
            Issue.record("a key not yet loaded verified a token")
        } catch {
            #expect(error == .unknownKey(newKid))
        }
        #expect(try await keys.load(jwks: try await Self.jwks(provider)) == [newKid])
        _ = try await keys.verify(new)
        do {
            _ = try await keys.verify(old)
            Issue.record("a dropped key still verified")
        } catch {
            #expect(error == .unknownKey(try Self.kid(old)))
        }
    }
}
