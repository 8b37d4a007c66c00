/// An OIDC identity provider as an admin declares it (`agentctl sso add oidc NAME …`), and the
/// checks it must pass before it is stored.
public struct OIDCProviderSettings: Sendable, Equatable, Codable {
    /// Installation-wide: it names the login URL (`/auth/login/NAME`).
    public var name: String
    /// The IdP's issuer URL: discovery is `<issuer>/.well-known/openid-configuration`, and every
    /// token's `iss` must be exactly this.
    public var issuer: String
    public var clientID: String
    /// Where the client secret is in the vault (`sso/corp`); nil for a public client (PKCE only).
    public var clientSecretPath: String?
    public var scopes: [String]
    /// The claim holding the person's groups, and the one that becomes their agentd login.
    public var groupsClaim: String
    public var loginClaim: String
    public var mappings: [SSOMapping]

    public init(name: String, issuer: String, clientID: String, clientSecretPath: String? = nil,
                scopes: [String] = ["openid", "profile", "email"], groupsClaim: String = "groups",
                loginClaim: String = "preferred_username", mappings: [SSOMapping]) {
        self.name = name
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecretPath = clientSecretPath
        self.scopes = scopes
        self.groupsClaim = groupsClaim
        self.loginClaim = loginClaim
        self.mappings = mappings
    }

    /// What is wrong, field by field; empty when the settings may be stored.
    public func violations() -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let violation = OrgRules.checkName(name) { found.append(violation) }
        if let violation = Self.checkIssuer(issuer) { found.append(violation) }
        if clientID.isEmpty || clientID.utf8.count > 255 || clientID.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) {
            found.append(FieldViolation(field: "client_id", message: "must be 1 to 255 visible characters, as the IdP shows it"))
        }
        if let path = clientSecretPath, path.isEmpty || path.hasPrefix("/") || path.utf8.count > 200 {
            found.append(FieldViolation(field: "client_secret_path", message: "must be a vault path such as sso/corp (agentctl secrets set sso/corp)"))
        }
        if !scopes.contains("openid") {
            found.append(FieldViolation(field: "scopes", message: "must include openid: without it the IdP sends no ID token"))
        }
        if scopes.count > 20 || scopes.contains(where: { $0.isEmpty || $0.utf8.count > 100 || $0.contains(" ") }) {
            found.append(FieldViolation(field: "scopes", message: "at most 20 scopes, each 1 to 100 characters without spaces"))
        }
        for (field, claim) in [("groups_claim", groupsClaim), ("login_claim", loginClaim)]
            where claim.isEmpty || claim.utf8.count > 64 {
            found.append(FieldViolation(field: field, message: "must name a claim, 1 to 64 characters"))
        }
        if mappings.isEmpty {
            found.append(FieldViolation(field: "map", message: "map at least one group to a role (--map \"agentd-admins=admin\"): "
                                        + "without one nobody could log in"))
        }
        if mappings.count > 200 { found.append(FieldViolation(field: "map", message: "at most 200 mappings")) }
        return found
    }

    /// The issuer must be an https URL with a host, without query or fragment; plain http only
    /// to this machine (a test IdP, or one behind a local TLS proxy), since tokens and client
    /// secrets cross that connection.
    static func checkIssuer(_ issuer: String) -> FieldViolation? {
        let lower = issuer.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https" : lower.hasPrefix("http://") ? "http" : nil
        guard let scheme, issuer.utf8.count <= 500, !issuer.contains("?"), !issuer.contains("#"), !issuer.contains(" ") else {
            return FieldViolation(field: "issuer", message: "must be the IdP's issuer URL, e.g. https://idp.corp.local/realms/main")
        }
        let rest = lower.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.prefix { $0 != "]" }.dropFirst()
        } else {
            host = authority.prefix { $0 != ":" }
        }
        guard !host.isEmpty, !authority.contains("@") else {
            return FieldViolation(field: "issuer", message: "must name the IdP's host, without a user or password")
        }
        if scheme == "http", !["localhost", "127.0.0.1", "::1"].contains(String(host)) {
            return FieldViolation(field: "issuer", message: "must use https: tokens and the client secret cross this connection "
                                  + "(give the IdP's CA with --ca-file if it has its own)")
        }
        return nil
    }
}
