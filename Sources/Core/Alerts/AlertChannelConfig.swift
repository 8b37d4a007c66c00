/// How one alert channel reaches people (docs/observability.md#channels). What is secret (an SMTP
/// password, a chat hook URL, a PagerDuty routing key, an SMS gateway token, a webhook signing key)
/// stays in the vault under `alerts/…`; only its path is kept here.
public struct AlertChannelConfig: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        /// SMTP with STARTTLS (`smtp://relay:587`) or TLS from the start (`smtps://relay:465`),
        /// AUTH with `username` and the secret as password.
        case email
        /// An incoming-webhook URL taking `{"text": …}` (Slack, Mattermost, Rocket.Chat).
        case slack
        /// PagerDuty Events API v2 (or a compatible endpoint): trigger and resolve by dedup key;
        /// the secret is the routing key.
        case pagerduty
        /// An HTTP SMS gateway: `template` with {{to}} and {{message}} is posted once per number;
        /// the secret, if any, is sent as a bearer token.
        case sms
        /// A JSON POST signed like agentd's own webhooks (`Agentd-Signature`, the secret as key).
        case webhook
    }

    public var kind: Kind
    public var url: String?
    public var to: [String]
    public var from: String?
    public var username: String?
    public var template: String?
    public var secretPath: String?

    /// Secrets of channels live under this path: a channel sends its secret to its own URL, so
    /// it must not be able to carry a workflow's credentials there.
    public static let secretPrefix = "alerts/"
    public static let defaultSMSTemplate = #"{"to":"{{to}}","message":"{{message}}"}"#

    public init(kind: Kind, url: String? = nil, to: [String] = [], from: String? = nil, username: String? = nil, template: String? = nil,
                secretPath: String? = nil) {
        self.kind = kind
        self.url = url
        self.to = to
        self.from = from
        self.username = username
        self.template = template
        self.secretPath = secretPath
    }

    /// Checks what the kind needs; every broken rule is named.
    public func validated() throws(ValidationError) -> AlertChannelConfig {
        var problems: [FieldViolation] = []
        func refuse(_ field: String, _ message: String) { problems.append(FieldViolation(field: field, message: message)) }
        let schemes: [String] = kind == .email ? ["smtp", "smtps"] : ["http", "https"]
        if let url {
            if url.utf8.count > 2000 || !schemes.contains(where: { url.lowercased().hasPrefix($0 + "://") }) || url.contains(where: { $0 == " " || $0.isNewline }) {
                refuse("url", "must be a \(schemes.joined(separator: " or ")) URL of at most 2000 characters")
            }
        } else if kind != .slack || secretPath == nil {
            refuse("url", kind == .slack ? "give the hook URL, or --secret-path to a secret that holds it"
                : "is required for a \(kind.rawValue) channel (\(kind == .email ? "smtp://relay.corp.local:587" : "https://…"))")
        }
        if let secretPath {
            if !secretPath.hasPrefix(Self.secretPrefix) || secretPath.utf8.count > 200 || secretPath.count <= Self.secretPrefix.count {
                refuse("secret_path", "must be a vault path under \(Self.secretPrefix) (e.g. \(Self.secretPrefix)\(kind.rawValue)), so that no channel sends another secret away")
            }
        } else if kind == .pagerduty || kind == .webhook {
            refuse("secret_path", kind == .pagerduty ? "is required: the vault path of the routing key (integration key)" : "is required: the vault path of the signing key")
        }
        switch kind {
        case .email:
            if to.isEmpty || to.count > 50 || to.contains(where: { !Self.isAddress($0) }) { refuse("to", "must list 1 to 50 email addresses") }
            if from.map(Self.isAddress) != true { refuse("from", "is required: the sender's address, e.g. agentd@corp.local") }
            if username != nil, secretPath == nil { refuse("secret_path", "is required with username: the vault path of the SMTP password") }
        case .sms:
            if to.isEmpty || to.count > 20 || to.contains(where: { !Self.isPhoneNumber($0) }) { refuse("to", "must list 1 to 20 phone numbers (+4915112345678)") }
        case .slack, .pagerduty, .webhook:
            if !to.isEmpty { refuse("to", "is only for email and sms channels") }
        }
        if kind != .email, from != nil || username != nil { refuse(from != nil ? "from" : "username", "is only for email channels") }
        if let template {
            if kind != .sms { refuse("template", "is only for sms channels") }
            if template.utf8.count > 2000 || !template.contains("{{message}}") { refuse("template", "must hold {{message}} (and may hold {{to}}), at most 2000 bytes") }
        }
        guard problems.isEmpty else { throw ValidationError(problems) }
        return self
    }

    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && text.utf8.count <= 254
            && !text.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "," || $0.isNewline || $0 == "\"" })
    }

    static func isPhoneNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (6...15).contains(digits.count) && digits.allSatisfy(\.isASCIIDigit)
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind.rawValue)]
        if let url { object["url"] = .string(url) }
        if !to.isEmpty { object["to"] = .array(to.map(JSONValue.string)) }
        if let from { object["from"] = .string(from) }
        if let username { object["username"] = .string(username) }
        if let template { object["template"] = .string(template) }
        if let secretPath { object["secret_path"] = .string(secretPath) }
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard let kind = json["kind"]?.stringValue.flatMap(Kind.init) else { return nil }
        self.init(kind: kind, url: json["url"]?.stringValue, to: json["to"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  from: json["from"]?.stringValue, username: json["username"]?.stringValue, template: json["template"]?.stringValue,
                  secretPath: json["secret_path"]?.stringValue)
    }
}
