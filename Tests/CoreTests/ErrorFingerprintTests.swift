import Core
import Testing

/// Which failures are one group: the normalised message as a table, and fingerprints that
/// agree where only the varying parts differ and differ where kind, node or words do.
@Suite struct ErrorFingerprintTests {
    @Test(arguments: [
        ("timed out after 5000 ms", "timed out after <n> ms"),
        ("HTTP 503 from http://10.0.0.7:8080/api", "HTTP <n> from http://<n>:<n>/api"),
        ("connect to 10.0.0.7:8080 refused", "connect to <ip> refused"),
        ("child execution ex_01M97PSFFWJ6X7CRAG8YGYQEJE failed", "child execution <id> failed"),
        ("(ex_01M97PSFFWJ6X7CRAG8YGYQEJE)", "(<id>)"),
        ("request 123e4567-e89b-12d3-a456-426614174000 lost", "request <id> lost"),
        ("digest deadbeef01 mismatch", "digest <hex> mismatch"),
        ("deadbeef is a word", "deadbeef is a word"),
        ("took 1.5s, limit 2s.", "took <n>s, limit <n>s."),
        ("  spaced\n\tout  ", "spaced out"),
        ("no model named large in this org", "no model named large in this org"),
        ("v2 api", "v<n> api"),
    ])
    func aMessageLosesWhatVaries(_ message: String, _ normalised: String) {
        #expect(ErrorFingerprint.normalise(message) == normalised)
    }

    @Test func occurrencesThatDifferOnlyInWhatVariesShareAFingerprint() {
        let a = ErrorFingerprint.of(kind: "http_error", node: "fetch", message: "HTTP 500 from upstream after 120 ms")
        let b = ErrorFingerprint.of(kind: "http_error", node: "fetch", message: "HTTP 503 from upstream after 87 ms")
        #expect(a == b && a.count == 16 && a.allSatisfy(\.isHexDigit))
        #expect(ErrorFingerprint.of(kind: "http_error", node: "post", message: "HTTP 500 from upstream after 120 ms") != a)
        #expect(ErrorFingerprint.of(kind: "timeout", node: "fetch", message: "HTTP 500 from upstream after 120 ms") != a)
        #expect(ErrorFingerprint.of(kind: "http_error", node: "fetch", message: "HTTP 500 from downstream after 120 ms") != a)
        // The node is its own field: "ab" + "" is not "a" + "b".
        #expect(ErrorFingerprint.of(kind: "x", node: "ab", message: "") != ErrorFingerprint.of(kind: "x", node: "a", message: "b"))
        #expect(ErrorFingerprint.of(kind: "x", node: nil, message: "m") == ErrorFingerprint.of(kind: "x", node: "", message: "m"))
    }

    @Test func aLongMessageIsCutWhereItStopsSayingWhatItIs() {
        let long = String(repeating: "word ", count: 500)
        #expect(ErrorFingerprint.normalise(long).count == ErrorFingerprint.maximumMessageLength)
        #expect(ErrorFingerprint.of(kind: "k", node: nil, message: long) == ErrorFingerprint.of(kind: "k", node: nil, message: long + "different tail"))
    }
}

/// The Sentry DSN as Sentry shows it, and the envelope agentd sends.
@Suite struct SentryEnvelopeTests {
    @Test func aDSNGivesTheEnvelopeURLAndTheAuthHeader() throws {
        let dsn = try SentryDSN("https://abc123@sentry.corp.local/7")
        #expect(dsn.envelopeURL == "https://sentry.corp.local/api/7/envelope/")
        #expect(dsn.authHeader(client: "agentd/1.0") == "Sentry sentry_version=7, sentry_key=abc123, sentry_client=agentd/1.0")
        #expect(dsn.redacted == "https://sentry.corp.local/7")
        let prefixed = try SentryDSN("http://key:oldsecret@10.0.0.9:9000/sentry/12")
        #expect(prefixed.envelopeURL == "http://10.0.0.9:9000/sentry/api/12/envelope/" && prefixed.publicKey == "key")
        for bad in ["sentry.corp.local/7", "ftp://k@h/7", "https://h/7", "https://k@h", "https://k@/7", "https://k!@h/7"] {
            #expect(throws: ValidationError.self, "\(bad)") { try SentryDSN(bad) }
        }
    }

    @Test func theEnvelopeIsAHeaderAnItemAndTheEventWithItsLength() throws {
        let failure = SentryEnvelope.Failure(executionID: "ex_1", orgID: "org_1", workflow: "calls", workflowVersion: 3, environment: "prod",
                                             node: "fetch", kind: "server_error", message: "HTTP 503", finishedAt: Instant(millisecondsSinceEpoch: 0))
        let lines = SentryEnvelope.body(failure, release: "1.2", sentAt: Instant(millisecondsSinceEpoch: 1000)).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        let header = try JSONParser.parse(String(lines[0])), item = try JSONParser.parse(String(lines[1])), event = try JSONParser.parse(String(lines[2]))
        #expect(header["event_id"]?.stringValue == failure.eventID && failure.eventID.count == 32 && failure.eventID.allSatisfy(\.isHexDigit))
        #expect(item["type"] == "event" && item["length"] == .integer(lines[2].utf8.count))
        #expect(event["fingerprint"] == [.string(ErrorFingerprint.of(kind: "server_error", node: "fetch", message: "HTTP 503"))])
        #expect(event["environment"] == "prod" && event["level"] == "error" && event["release"] == "agentd@1.2")
        // The same execution is the same event: a resend after a crash is not a second one.
        #expect(failure.eventID == SentryEnvelope.Failure(executionID: "ex_1", orgID: "o", workflow: "w", workflowVersion: 1, environment: "dev", node: nil,
                                                          kind: "k", message: "m", finishedAt: Instant(millisecondsSinceEpoch: 5)).eventID)
    }
}
