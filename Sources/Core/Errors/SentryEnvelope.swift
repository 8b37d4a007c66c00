/// A self-hosted Sentry's DSN (`[errors] sentry_dsn`): `https://PUBLIC_KEY@sentry.corp.local/PROJECT`,
/// optionally with a path before the project (`https://KEY@host/sentry/PROJECT`).
public struct SentryDSN: Hashable, Sendable {
    public let scheme: String
    public let publicKey: String
    /// `host` or `host:port`.
    public let host: String
    /// What comes between the host and the project (`""` or `/sentry`).
    public let pathPrefix: String
    public let projectID: String

    public init(_ text: String) throws(ValidationError) {
        let refuse = { () -> ValidationError in
            ValidationError(field: "errors.sentry_dsn", "must look like https://PUBLIC_KEY@sentry.corp.local/PROJECT_ID (the DSN Sentry shows under Client Keys)")
        }
        guard let schemeEnd = text.range(of: "://") else { throw refuse() }
        scheme = String(text[..<schemeEnd.lowerBound])
        guard scheme == "https" || scheme == "http" else { throw refuse() }
        let rest = text[schemeEnd.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { throw refuse() }
        // A DSN may carry `key:secret`; the secret is deprecated and not sent.
        publicKey = String(rest[..<at].split(separator: ":", maxSplits: 1).first ?? "")
        let location = rest[rest.index(after: at)...]
        guard let slash = location.firstIndex(of: "/") else { throw refuse() }
        host = String(location[..<slash])
        let path = location[slash...].split(separator: "/")
        guard let project = path.last, !publicKey.isEmpty, !host.isEmpty, publicKey.allSatisfy({ $0.isLetter || $0.isNumber }),
              project.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { throw refuse() }
        projectID = String(project)
        pathPrefix = path.dropLast().map { "/" + $0 }.joined()
    }

    /// Where envelopes are posted.
    public var envelopeURL: String { "\(scheme)://\(host)\(pathPrefix)/api/\(projectID)/envelope/" }

    /// The `X-Sentry-Auth` header.
    public func authHeader(client: String) -> String { "Sentry sentry_version=7, sentry_key=\(publicKey), sentry_client=\(client)" }

    /// The DSN without anything secret-like, for logs and status.
    public var redacted: String { "\(scheme)://\(host)\(pathPrefix)/\(projectID)" }
}

/// One failed execution as a Sentry event in an envelope (https://develop.sentry.dev/sdk/envelopes/):
/// grouped by agentd's fingerprint, so Sentry's issues are agentd's error groups.
public enum SentryEnvelope {
    public struct Failure: Sendable, Hashable {
        public var executionID: String
        public var orgID: String
        public var workflow: String
        public var workflowVersion: Int
        public var environment: String
        public var node: String?
        public var kind: String
        /// As the execution stored it: secret values already scrubbed.
        public var message: String
        public var finishedAt: Instant

        public init(executionID: String, orgID: String, workflow: String, workflowVersion: Int, environment: String, node: String?,
                    kind: String, message: String, finishedAt: Instant) {
            self.executionID = executionID
            self.orgID = orgID
            self.workflow = workflow
            self.workflowVersion = workflowVersion
            self.environment = environment
            self.node = node
            self.kind = kind
            self.message = message
            self.finishedAt = finishedAt
        }

        /// 32 hex digits, the same for the same execution (a resend is one event to Sentry).
        public var eventID: String {
            String(ContentHash.of(text: "agentd-sentry-event\u{0}" + executionID).dropFirst("sha256:".count).prefix(32))
        }

        public var fingerprint: String { ErrorFingerprint.of(kind: kind, node: node, message: message) }
    }

    /// The envelope's body: its header, the item's header, the event, each on its own line.
    public static func body(_ failure: Failure, release: String, sentAt: Instant) -> String {
        let event: JSONValue = [
            "event_id": .string(failure.eventID), "timestamp": .string(failure.finishedAt.rfc3339), "platform": "other", "level": "error",
            "logger": "agentd.executions", "release": .string("agentd@\(release)"), "environment": .string(failure.environment),
            "transaction": .string(failure.node.map { "\(failure.workflow).\($0)" } ?? failure.workflow),
            "message": ["formatted": .string(failure.message)],
            "exception": ["values": [["type": .string(failure.kind), "value": .string(failure.message),
                                      "module": .string(failure.workflow)]]],
            "fingerprint": [.string(failure.fingerprint)],
            "tags": .object([
                "workflow": .string(failure.workflow), "node": .string(failure.node ?? "-"), "kind": .string(failure.kind),
                "org": .string(failure.orgID), "agentd.fingerprint": .string(failure.fingerprint),
            ]),
            "extra": ["execution_id": .string(failure.executionID), "workflow_version": .integer(failure.workflowVersion)],
        ]
        let payload = event.canonicalText
        let header: JSONValue = ["event_id": .string(failure.eventID), "sent_at": .string(sentAt.rfc3339)]
        let item: JSONValue = ["type": "event", "content_type": "application/json", "length": .integer(payload.utf8.count)]
        return header.canonicalText + "\n" + item.canonicalText + "\n" + payload + "\n"
    }
}
