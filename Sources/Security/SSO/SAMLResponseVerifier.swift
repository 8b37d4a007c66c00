import CSAML
import Core
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A SAML Response from the ACS: its signature checked with the IdP's certificate by libxmlsec1
/// (`agentd_saml_verify`, which hands back only the assertion the signature covers), then the
/// claims of that assertion read here. What they allow is decided by Core (`SAMLAssertion`).
public enum SAMLResponseVerifier {
    public struct Refused: Error, Equatable, Sendable {
        public let reason: String
    }

    /// The verified assertion and which element carried the signature ("Assertion" or "Response").
    public static func verify(base64 response: String, certificatePEM: String) throws(Refused) -> (SAMLAssertion, signedElement: String) {
        let compact = response.filter { !$0.isWhitespace }
        guard compact.utf8.count <= 1_400_000, let bytes = Data(base64Encoded: compact) else {
            throw Refused(reason: "SAMLResponse is not base64")
        }
        return try verify(xml: bytes, certificatePEM: certificatePEM)
    }

    public static func verify(xml: Data, certificatePEM: String) throws(Refused) -> (SAMLAssertion, signedElement: String) {
        var assertion: UnsafeMutablePointer<CChar>?
        var signed: UnsafePointer<CChar>?
        var error = [CChar](repeating: 0, count: 512)
        let pem = Array(certificatePEM.utf8)
        let status = xml.withUnsafeBytes { document in
            pem.withUnsafeBufferPointer { certificate in
                agentd_saml_verify(document.baseAddress?.assumingMemoryBound(to: CChar.self), document.count,
                                   UnsafeRawPointer(certificate.baseAddress)?.assumingMemoryBound(to: CChar.self), certificate.count,
                                   &assertion, &signed, &error, error.count)
            }
        }
        guard status == 0, let assertion, let signed else {
            throw Refused(reason: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let text = String(cString: assertion)
        agentd_saml_free(assertion)
        guard let parsed = AssertionReader.read(Data(text.utf8)) else { throw Refused(reason: "the signed assertion could not be read") }
        return (parsed, String(cString: signed))
    }
}

/// Reads the claims of one (verified, re-serialised) assertion, by path from its root, so that
/// nothing nested elsewhere (an assertion in Advice) is read as its own.
final class AssertionReader: NSObject, XMLParserDelegate {
    static let saml = "urn:oasis:names:tc:SAML:2.0:assertion"
    private var path: [String] = []
    private var text = ""
    private var currentAttribute: String?
    private var bearer = false
    private var assertion = SAMLAssertion(id: "", issuer: "", nameID: "", audiences: [], recipient: nil, confirmationNotOnOrAfter: nil,
                                          inResponseTo: nil, attributes: [:])
    private var foreign = false

    static func read(_ data: Data) -> SAMLAssertion? {
        let parser = XMLParser(data: data)
        let reader = AssertionReader()
        parser.delegate = reader
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        guard parser.parse(), !reader.foreign, !reader.assertion.id.isEmpty else { return nil }
        return reader.assertion
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let local = name.split(separator: ":").last.map(String.init) ?? name
        path.append(namespaceURI == Self.saml ? local : "other:" + local)
        text = ""
        switch path {
        case ["Assertion"]:
            assertion.id = attributes["ID"] ?? ""
        case ["Assertion", "Subject", "NameID"]:
            assertion.nameIDFormat = attributes["Format"]
        case ["Assertion", "Subject", "SubjectConfirmation"]:
            bearer = attributes["Method"] == "urn:oasis:names:tc:SAML:2.0:cm:bearer"
        case ["Assertion", "Subject", "SubjectConfirmation", "SubjectConfirmationData"] where bearer && assertion.recipient == nil:
            assertion.recipient = attributes["Recipient"]
            assertion.confirmationNotOnOrAfter = attributes["NotOnOrAfter"].flatMap(SAMLAssertion.instant)
            assertion.inResponseTo = attributes["InResponseTo"]
        case ["Assertion", "Conditions"]:
            assertion.notBefore = attributes["NotBefore"].flatMap(SAMLAssertion.instant)
            assertion.notOnOrAfter = attributes["NotOnOrAfter"].flatMap(SAMLAssertion.instant)
        case ["Assertion", "AttributeStatement", "Attribute"]:
            currentAttribute = attributes["Name"]
        default:
            if path.count == 1 { foreign = true }  // the root must be a saml:Assertion
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch path {
        case ["Assertion", "Issuer"]: assertion.issuer = value
        case ["Assertion", "Subject", "NameID"]: assertion.nameID = value
        case ["Assertion", "Conditions", "AudienceRestriction", "Audience"]: assertion.audiences.append(value)
        case ["Assertion", "AttributeStatement", "Attribute", "AttributeValue"]:
            if let currentAttribute { assertion.attributes[currentAttribute, default: []].append(value) }
        case ["Assertion", "AttributeStatement", "Attribute"]: currentAttribute = nil
        default: break
        }
        text = ""
        path.removeLast()
    }
}
