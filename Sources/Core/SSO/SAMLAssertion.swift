/// What a SAML 2.0 assertion says, read from the node whose signature verified, and the checks
/// a service provider makes of it (SAML 2.0 Core §2.5, §2.4.1.2; Profiles §4.1.4.3), pure with
/// time passed in.
public struct SAMLAssertion: Sendable, Equatable {
    public var id: String
    public var issuer: String
    public var nameID: String
    /// The NameID's Format, when given (a transient one changes at every login).
    public var nameIDFormat: String?
    public var notBefore: Instant?
    public var notOnOrAfter: Instant?
    public var audiences: [String]
    /// The bearer SubjectConfirmationData's Recipient, NotOnOrAfter and InResponseTo.
    public var recipient: String?
    public var confirmationNotOnOrAfter: Instant?
    public var inResponseTo: String?
    public var attributes: [String: [String]]

    public init(id: String, issuer: String, nameID: String, notBefore: Instant? = nil, notOnOrAfter: Instant? = nil, audiences: [String],
                recipient: String?, confirmationNotOnOrAfter: Instant?, inResponseTo: String?, attributes: [String: [String]]) {
        self.id = id
        self.issuer = issuer
        self.nameID = nameID
        self.nameIDFormat = nil
        self.notBefore = notBefore
        self.notOnOrAfter = notOnOrAfter
        self.audiences = audiences
        self.recipient = recipient
        self.confirmationNotOnOrAfter = confirmationNotOnOrAfter
        self.inResponseTo = inResponseTo
        self.attributes = attributes
    }

    /// Why an assertion is refused; `reason` is for the person and the log.
    public enum Refusal: Equatable, Sendable {
        case issuer(expected: String, got: String)
        case audience(String)
        case recipient(String)
        case notYetValid
        case expired
        case noBearerConfirmation
        case inResponseTo
        case noSubject

        public var reason: String {
            switch self {
            case .issuer(let expected, let got): "the assertion was issued by \(got), not \(expected)"
            case .audience(let sp): "the assertion is not meant for this service provider (\(sp))"
            case .recipient(let acs): "the assertion is meant for another ACS than \(acs)"
            case .notYetValid: "the assertion is not valid yet (NotBefore): check both clocks"
            case .expired: "the assertion has expired (NotOnOrAfter)"
            case .noBearerConfirmation: "the assertion has no bearer SubjectConfirmationData with Recipient and NotOnOrAfter"
            case .inResponseTo: "the assertion answers another request than this login's (InResponseTo): start the login again"
            case .noSubject: "the assertion names no subject (NameID)"
            }
        }
    }

    /// Nil when the assertion may be used now: from `idp`, for `spEntityID`, delivered to `acs`,
    /// in answer to `requestID` (SP-initiated logins only), within its times give or take `skew`.
    public func refusal(idp: String, spEntityID: String, acs: String, requestID: String, now: Instant,
                        skewMilliseconds: Int64 = 60_000) -> Refusal? {
        if issuer != idp { return .issuer(expected: idp, got: issuer) }
        if nameID.isEmpty { return .noSubject }
        if !audiences.contains(spEntityID) { return .audience(spEntityID) }
        guard let recipient, let confirmationNotOnOrAfter else { return .noBearerConfirmation }
        if recipient != acs { return .recipient(acs) }
        if inResponseTo != requestID { return .inResponseTo }
        let time = now.millisecondsSinceEpoch
        if let notBefore, time + skewMilliseconds < notBefore.millisecondsSinceEpoch { return .notYetValid }
        if let notOnOrAfter, time >= notOnOrAfter.millisecondsSinceEpoch + skewMilliseconds { return .expired }
        if time >= confirmationNotOnOrAfter.millisecondsSinceEpoch + skewMilliseconds { return .expired }
        return nil
    }

    /// Who the assertion is about, across logins: the NameID, unless it is transient (new at
    /// every login), then `login` (the login attribute's value).
    public func subject(login: String) -> String {
        nameIDFormat == "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" ? "login:" + login : nameID
    }

    /// Until when the assertion's ID must be remembered to refuse a replay: its latest time.
    public var replayUntil: Instant? {
        [notOnOrAfter, confirmationNotOnOrAfter].compactMap { $0 }.max { $0.millisecondsSinceEpoch < $1.millisecondsSinceEpoch }
    }

    /// An xs:dateTime as SAML writes it (UTC, `Z`, optional fractions).
    public static func instant(_ text: String) -> Instant? {
        if let exact = Instant(rfc3339: text) { return exact }
        // Fractions of a second (ADFS writes seven digits): drop them.
        guard let dot = text.firstIndex(of: "."), text.hasSuffix("Z") else { return nil }
        return Instant(rfc3339: String(text[..<dot]) + "Z")
    }
}
