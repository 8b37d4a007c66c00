import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What an IdP's SAML metadata says that agentd needs: its entityID, its SingleSignOnService
/// for the HTTP-Redirect binding, and its signing certificate (as PEM).
public struct SAMLMetadata: Sendable, Equatable {
    public let entityID: String
    public let ssoURL: String
    public let certificatePEM: String

    /// Nil when the document is not an EntityDescriptor with an IDPSSODescriptor holding all three.
    public static func parse(_ data: Data) -> SAMLMetadata? {
        guard data.count <= 1 << 20 else { return nil }
        let reader = Reader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        guard parser.parse(), let entity = reader.entityID, let sso = reader.ssoURL, let certificate = reader.certificate else { return nil }
        let base64 = certificate.filter { !$0.isWhitespace }
        guard Data(base64Encoded: base64) != nil else { return nil }
        var lines: [String] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        return SAMLMetadata(entityID: entity, ssoURL: sso,
                            certificatePEM: "-----BEGIN CERTIFICATE-----\n" + lines.joined(separator: "\n") + "\n-----END CERTIFICATE-----\n")
    }

    final class Reader: NSObject, XMLParserDelegate {
        static let metadata = "urn:oasis:names:tc:SAML:2.0:metadata"
        var entityID: String?
        var ssoURL: String?
        var certificate: String?
        private var inIDP = false
        private var keyUse: String?
        private var inCertificate = false
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch (namespaceURI, name) {
            case (Self.metadata, "EntityDescriptor"): entityID = entityID ?? attributes["entityID"]
            case (Self.metadata, "IDPSSODescriptor"): inIDP = true
            case (Self.metadata, "KeyDescriptor") where inIDP: keyUse = attributes["use"] ?? "signing"
            case (Self.metadata, "SingleSignOnService") where inIDP
                && attributes["Binding"] == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect":
                ssoURL = ssoURL ?? attributes["Location"]
            case ("http://www.w3.org/2000/09/xmldsig#", "X509Certificate") where inIDP && keyUse == "signing" && certificate == nil:
                inCertificate = true
                text = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { if inCertificate { text += string } }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch (namespaceURI, name) {
            case (Self.metadata, "IDPSSODescriptor"): inIDP = false
            case (Self.metadata, "KeyDescriptor"): keyUse = nil
            case ("http://www.w3.org/2000/09/xmldsig#", "X509Certificate") where inCertificate:
                certificate = text
                inCertificate = false
            default: break
            }
        }
    }
}
