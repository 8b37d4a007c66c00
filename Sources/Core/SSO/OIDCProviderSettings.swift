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
    /// The environment of the provider org's vault the client secret is read from.
    public var clientSecretEnvironment: String
    /// A PEM file of the CAs the IdP's TLS certificate is checked against (default: the system's).
    public var caFile: String?
    /// Program tokens: the `aud` a program's access token must carry for agentd's API (nil: no
    /// program tokens from this IdP), the claim naming the program's client (nil: `azp`, else
    /// `client_id`), and which client acts as which service account.
    public var apiAudience: String?
    public var programClaim: String?
    public var programs: [SSOProgram]
    /// Let a first SSO login take over an existing local user of the same login (off: such a
    /// login is refused, since an IdP admin could otherwise name themselves `admin`).
    public var linkExisting: Bool

    public init(name: String, issuer: String, clientID: String, clientSecretPath: String? = nil,
                scopes: [String] = ["openid", "profile", "email"], groupsClaim: String = "groups",
                loginClaim: String = "preferred_username", mappings: [SSOMapping], clientSecretEnvironment: String = "prod",
                caFile: String? = nil, apiAudience: String? = nil, programClaim: String? = nil, programs: [SSOProgram] = [],
                linkExisting: Bool = false) {
        self.name = name
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecretPath = clientSecretPath
        self.scopes = scopes
        self.groupsClaim = groupsClaim
        self.loginClaim = loginClaim
        self.mappings = mappings
        self.clientSecretEnvironment = clientSecretEnvironment
        self.caFile = caFile
        self.apiAudience = apiAudience
        self.programClaim = programClaim
        self.programs = programs
        self.linkExisting = linkExisting
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
        if let caFile, !caFile.hasPrefix("/") {
            found.append(FieldViolation(field: "ca_file", message: "must be an absolute path to a PEM file the daemon can read"))
        }
        if let apiAudience, apiAudience.isEmpty || apiAudience.utf8.count > 255 {
            found.append(FieldViolation(field: "api_audience", message: "must be 1 to 255 characters: the aud the IdP puts in programs' tokens"))
        }
        if !programs.isEmpty && apiAudience == nil {
            found.append(FieldViolation(field: "api_audience", message: "is needed for programs: name the aud of their access tokens (--api-audience agentd-api)"))
        }
        if let programClaim, programClaim.isEmpty || programClaim.utf8.count > 64 {
            found.append(FieldViolation(field: "program_claim", message: "must name a claim, 1 to 64 characters (azp, client_id, cid, appid)"))
        }
        if Set(programs.map(\.client)).count != programs.count {
            found.append(FieldViolation(field: "program", message: "each client may act as one service account only"))
        }
        if programs.count > 200 { found.append(FieldViolation(field: "program", message: "at most 200 programs")) }
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
