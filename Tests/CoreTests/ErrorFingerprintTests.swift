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
