/// A SAML 2.0 identity provider as an admin declares it (`agentctl sso add saml NAME
/// --metadata-file idp.xml …`): what its metadata says, and how its attributes map.
public struct SAMLProviderSettings: Sendable, Equatable, Codable {
    public var name: String
    /// The IdP's entityID: every assertion's Issuer must be exactly this.
    public var idpEntityID: String
    /// Its SingleSignOnService for the HTTP-Redirect binding.
    public var ssoURL: String
    /// The PEM certificate its signatures must verify with.
    public var certificatePEM: String
    /// agentd's entityID at this IdP (the Audience it must put in assertions).
    public var spEntityID: String
    /// The attribute that becomes the agentd login (nil: the NameID), and the one with groups.
    public var loginAttribute: String?
    public var groupsAttribute: String
    public var mappings: [SSOMapping]
    public var linkExisting: Bool

    public init(name: String, idpEntityID: String, ssoURL: String, certificatePEM: String, spEntityID: String, loginAttribute: String? = nil,
                groupsAttribute: String = "groups", mappings: [SSOMapping], linkExisting: Bool = false) {
        self.name = name
        self.idpEntityID = idpEntityID
        self.ssoURL = ssoURL
        self.certificatePEM = certificatePEM
        self.spEntityID = spEntityID
        self.loginAttribute = loginAttribute
        self.groupsAttribute = groupsAttribute
        self.mappings = mappings
        self.linkExisting = linkExisting
    }

    public func violations() -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let violation = OrgRules.checkName(name) { found.append(violation) }
        if idpEntityID.isEmpty || idpEntityID.utf8.count > 500 {
            found.append(FieldViolation(field: "metadata", message: "the IdP metadata names no entityID"))
        }
        if let violation = OIDCProviderSettings.checkIssuer(ssoURL) {
            found.append(FieldViolation(field: "metadata", message: "the IdP's SingleSignOnService (HTTP-Redirect) " + violation.message))
        }
        if !certificatePEM.contains("-----BEGIN CERTIFICATE-----") || certificatePEM.utf8.count > 20_000 {
            found.append(FieldViolation(field: "metadata", message: "the IdP metadata has no signing certificate (KeyDescriptor use=\"signing\")"))
        }
        if spEntityID.isEmpty || spEntityID.utf8.count > 500 {
            found.append(FieldViolation(field: "sp_entity_id", message: "must be 1 to 500 characters (default: this server's metadata URL)"))
        }
        for (field, value) in [("login_attribute", loginAttribute ?? "x"), ("groups_attribute", groupsAttribute)] where value.isEmpty || value.utf8.count > 200 {
            found.append(FieldViolation(field: field, message: "must name an attribute, 1 to 200 characters"))
        }
        if mappings.isEmpty {
            found.append(FieldViolation(field: "map", message: "map at least one group to a role (--map \"agentd-admins=admin\"): without one nobody could log in"))
        }
        if mappings.count > 200 { found.append(FieldViolation(field: "map", message: "at most 200 mappings")) }
        return found
    }
}
