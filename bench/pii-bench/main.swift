// PII scan benchmark (data-lifecycle issue): how fast PIIDetector reads text on one core
// (target ≥ 50 MB/s), over a mix like step payloads: JSON-ish prose with an email, a phone
// number, a card and an address every few hundred bytes, and runs of plain text.
// Usage: pii-bench [megabytes, default 64]
import Core
import Foundation

let megabytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 64
let record = #"{"ticket": "T-18342", "customer": "Jane Roe <jane.roe@example.org>", "phone": "+44 20 7946 0958", "#
    + #""note": "card 4111 1111 1111 1111 declined from 203.0.113.7; please call back before 17:30", "#
    + #""history": "Customer reported the invoice total of 1,204.50 EUR differs from the quote sent on 2026-11-02 by the account team."}"#
    + "\n"
var text = ""
while text.utf8.count < megabytes << 20 { text += record }
let bytes = text.utf8.count

// Warm up, then the best of three runs.
_ = PIIDetector.find(in: String(text.prefix(100_000)))
var best = Double.infinity
var findings = 0
for _ in 0..<3 {
    let start = ContinuousClock.now
    findings = PIIDetector.find(in: text).count
    let elapsed = ContinuousClock.now - start
    best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
let rate = Double(bytes) / Double(1 << 20) / best
print(String(format: "PII scan: %d MB in %.3f s = %.1f MB/s on one core, %d findings   target ≥ 50 MB/s", bytes >> 20, best, rate, findings))
