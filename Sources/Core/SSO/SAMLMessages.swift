/// The XML agentd sends as a SAML 2.0 service provider: its metadata for the IdP's admin, and
/// the AuthnRequest of a login (SAML 2.0 Core §3.4.1, Metadata §2.4.4).
public enum SAMLMessages {
    public static func escape(_ text: String) -> String { XMLEscaping.escaped(text) }

    /// An xsd:ID for a request: a letter first, then 40 hex digits from `random` (20 bytes).
    public static func requestID(random: [UInt8]) -> String {
        "_" + random.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// An xs:dateTime in UTC, to the second.
    public static func dateTime(_ instant: Instant) -> String {
        let text = instant.rfc3339
        if let dot = text.firstIndex(of: "."), text.hasSuffix("Z") { return String(text[..<dot]) + "Z" }
        return text
    }

    public static func authnRequest(id: String, at instant: Instant, destination: String, acs: String, spEntityID: String) -> String {
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\""
            + " ID=\"\(escape(id))\" Version=\"2.0\" IssueInstant=\"\(dateTime(instant))\" Destination=\"\(escape(destination))\""
            + " AssertionConsumerServiceURL=\"\(escape(acs))\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\">"
            + "<saml:Issuer>\(escape(spEntityID))</saml:Issuer>"
            + "<samlp:NameIDPolicy AllowCreate=\"true\"/></samlp:AuthnRequest>"
    }

    /// agentd's SP metadata: its entityID and ACS (HTTP-POST); assertions must be signed.
    public static func spMetadata(entityID: String, acs: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"\(escape(entityID))\">\n"
            + "  <md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\""
            + " protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
            + "    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>\n"
            + "    <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"\(escape(acs))\" index=\"0\""
            + " isDefault=\"true\"/>\n"
            + "  </md:SPSSODescriptor>\n"
            + "</md:EntityDescriptor>\n"
    }
}
