import Core
import Foundation
import JWTKit

/// An identity provider's signing keys (its JWKS) and the check of a token's signature against
/// them, with jwt-kit. What the signature vouches for is then read by Core (`IDTokenClaims`).
///
/// Hardened beyond jwt-kit's defaults (it was read for this, 5.8.0):
/// - A token must name a `kid` this JWKS has: jwt-kit would otherwise try the first key loaded.
/// - Each key's algorithm is pinned when it is loaded (from its `alg`, else from its type and
///   curve): jwt-kit would otherwise take it from the first token's header and keep it.
/// - Only asymmetric algorithms are accepted (`allowed`): `none` and HMAC cannot be made from a
///   JWK at all, and the verifying algorithm is checked again after the signature.
/// - The keys are replaced whole on a reload, so a rotation never leaves half a set.
public actor SignedTokenKeys {
    public static let allowed: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]

    private var keys = JWTKeyCollection()
    private var kids: Set<String> = []
    /// Tokens whose signature verified, with their payloads: a program sends the same access
    /// token with every request until it expires, and its signature need not be checked again
    /// (claims are, each time, by the caller). Emptied whenever the keys are reloaded, so a key
    /// the IdP withdrew vouches for nothing more; bounded, and emptied whole when full.
    private var verified: [String: JSONValue] = [:]
    static let verifiedCapacity = 4096

    public init() {}

    /// Why a token's signature is not accepted. Never carries the token.
    public enum Refusal: Error, Equatable, Sendable {
        case malformed
        case unknownKey(String?)
        case algorithm(String?)
        case signature

        public var reason: String {
            switch self {
            case .malformed: "the token is not a signed JWT"
            case .unknownKey(let kid): "the token names a signing key the IdP's JWKS does not have (\(kid ?? "no kid"))"
            case .algorithm(let alg): "the token's algorithm \(alg ?? "(none)") is not allowed: only RS/PS/ES signatures are"
            case .signature: "the token's signature does not verify"
            }
        }
    }

    /// Replaces the keys with those of a JWKS document; returns the kids kept. Keys for
    /// encryption, of unknown types or algorithms, or that jwt-kit refuses (RSA under 2048 bits)
    /// are skipped.
    @discardableResult
    public func load(jwks data: Data) async throws -> [String] {
        struct Document: Decodable {
            struct Entry: Decodable {
                let jwk: JWK?
                let use: String?
                enum Keys: String, CodingKey { case use }
                init(from decoder: any Decoder) throws {
                    jwk = try? JWK(from: decoder)
                    use = try? decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .use)
                }
            }
            let keys: [Entry]
        }
        let fresh = JWTKeyCollection()
        var loaded: Set<String> = []
        for entry in try JSONDecoder().decode(Document.self, from: data).keys {
            guard var jwk = entry.jwk, entry.use != "enc", let kid = jwk.keyIdentifier?.string else { continue }
            if jwk.algorithm == nil {
                switch (jwk.keyType, jwk.curve?.rawValue) {
                case (.rsa, _): jwk.algorithm = .rs256
                case (.ecdsa, "P-256"): jwk.algorithm = .es256
                case (.ecdsa, "P-384"): jwk.algorithm = .es384
                default: continue
                }
            }
            guard let algorithm = jwk.algorithm?.rawValue, Self.allowed.contains(algorithm) else { continue }
            do {
                try await fresh.add(jwk: jwk)
                loaded.insert(kid)
            } catch {
                continue
            }
        }
        keys = fresh
        kids = loaded
        verified.removeAll()
        return loaded.sorted()
    }

    public func has(kid: String) -> Bool { kids.contains(kid) }

    /// The token's payload as JSON, once its signature verified under one of the keys (or did
    /// before, under the keys loaded now; `cached` false checks it afresh).
    public func verify(_ token: String, cached: Bool = true) async throws(Refusal) -> JSONValue {
        if cached, let payload = verified[token] { return payload }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              case .object(let header)? = try? JSONParser.parse(bytes: headerBytes) else { throw .malformed }
        let kid: String? = if case .string(let kid)? = header["kid"] { kid } else { nil }
        let alg: String? = if case .string(let alg)? = header["alg"] { alg } else { nil }
        guard let alg, Self.allowed.contains(alg) else { throw .algorithm(alg) }
        guard let kid, kids.contains(kid) else { throw .unknownKey(kid) }
        do {
            _ = try await keys.verify(token, as: SignatureOnly.self)
        } catch {
            throw .signature
        }
        guard let payload = try? JSONParser.parse(bytes: payloadBytes), case .object = payload else { throw .malformed }
        if verified.count >= Self.verifiedCapacity { verified.removeAll(keepingCapacity: true) }
        verified[token] = payload
        return payload
    }

    /// The signature alone: jwt-kit decodes nothing of the payload (Core reads it), and the
    /// algorithm that verified must be an allowed one.
    struct SignatureOnly: JWTPayload {
        init() {}
        init(from decoder: any Decoder) throws {}
        func encode(to encoder: any Encoder) throws {}
        func verify(using algorithm: some JWTAlgorithm) throws {
            guard SignedTokenKeys.allowed.contains(algorithm.name) else {
                throw JWTError.generic(identifier: "alg", reason: "\(algorithm.name) is not allowed")
            }
        }
    }
}
