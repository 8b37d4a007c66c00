import Core
import Synchronization

/// The durations of the most recent step attempts, per org, for `agentctl top`'s step times: a
/// fixed ring (recording is one lock and one store on the step path; nothing grows).
final class StepTimes: Sendable {
    struct Sample {
        var org: OrgID
        var at: Int64
        var micros: Int64
    }

    static let capacity = 4096
    private let ring = Mutex<(samples: [Sample], next: Int)>(([], 0))

    func record(org: OrgID, at: Instant, micros: Int64) {
        ring.withLock { ring in
            let sample = Sample(org: org, at: at.millisecondsSinceEpoch, micros: micros)
            if ring.samples.count < Self.capacity { ring.samples.append(sample) } else { ring.samples[ring.next] = sample }
            ring.next = (ring.next + 1) % Self.capacity
        }
    }

    /// Attempts of `org` (nil: every org) that ended since `since`: how many, and p50 and p95 in µs.
    func summary(org: OrgID?, since: Instant) -> (count: Int, p50: Int64?, p95: Int64?) {
        let cutoff = since.millisecondsSinceEpoch
        let values = ring.withLock { ring in ring.samples.filter { $0.at >= cutoff && (org == nil || $0.org == org) }.map(\.micros) }
        return (values.count, Percentile.of(values, 0.5), Percentile.of(values, 0.95))
    }
}
