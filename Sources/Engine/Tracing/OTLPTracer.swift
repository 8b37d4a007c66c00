import Core
import Synchronization
import Tracing

/// agentd's tracer (docs/observability.md#tracing): spans of sampled traces are queued in memory
/// as they end, and an `OTLPExporter` sends them in batches to an OpenTelemetry collector.
///
/// why not swift-otel's tracer: it hands every span start and end through async streams to
/// tasks and an actor; `engine-bench --span-cost` measured 25 µs of CPU per span with it, so
/// two spans per single-step execution cost the engine 10–20 % of its throughput. Here a span
/// is an object with a lock, its end one append to a locked array, and the exporter wakes once
/// per batch, not per span.
public final class OTLPTracer: Tracer, Sendable {
    public typealias Span = AgentdSpan

    let queue: SpanQueue
    let sampleRatio: Double
    private let random: Mutex<FastRandom>

    /// `sampleRatio`: the share of new traces recorded (a trace continued from a caller keeps
    /// the caller's decision).
    public init(queue: SpanQueue, sampleRatio: Double) {
        self.queue = queue
        self.sampleRatio = sampleRatio
        var system = SystemRandomNumberGenerator()
        random = Mutex(FastRandom(seed: system.next()))
    }

    public func startSpan<Instant: TracerInstant>(_ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
                                                 at instant: @autoclosure () -> Instant, function: String, file fileID: String,
                                                 line: UInt) -> AgentdSpan {
        var context = context()
        let parent = context.spanIdentity
        let (traceHigh, traceLow, span) = random.withLock { random in
            (parent == nil ? random.next() : 0, parent == nil ? random.next() : 0, random.nextNonZero())
        }
        let traceID = parent?.traceParent.traceID ?? TraceID(high: traceHigh, low: traceLow | 1)
        let sampled = parent?.traceParent.sampled ?? TraceSampling.sampled(traceID, ratio: sampleRatio)
        let identity = SpanIdentity(traceParent: TraceParent(traceID: traceID, spanID: SpanID(span), sampled: sampled),
                                    traceState: parent?.traceState)
        context.spanIdentity = identity
        guard sampled else { return AgentdSpan(context: context, recording: nil) }
        let recording = RecordingSpan(name: operationName, kind: kind, identity: identity, parent: parent?.traceParent.spanID,
                                      startNanoseconds: instant().nanosecondsSinceEpoch, queue: queue)
        return AgentdSpan(context: context, recording: recording)
    }

    public func forceFlush() { queue.wakeExporter() }

    // MARK: Instrument: W3C trace context in and out of HTTP headers

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let identity = context.spanIdentity else { return }
        injector.inject(identity.traceParent.header, forKey: "traceparent", into: &carrier)
        if let state = identity.traceState { injector.inject(state, forKey: "tracestate", into: &carrier) }
    }

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier), let traceParent = TraceParent(header) else { return }
        // tracestate is passed on as it came, within the 512 characters the recommendation sets.
        let state = extractor.extract(key: "tracestate", from: carrier).flatMap { $0.isEmpty || $0.utf8.count > 512 ? nil : $0 }
        context.spanIdentity = SpanIdentity(traceParent: traceParent, traceState: state)
    }
}

/// Which span a context is in: its trace, its id, the sampling decision, the caller's tracestate.
struct SpanIdentity: Sendable {
    var traceParent: TraceParent
    var traceState: String?
}

private enum SpanIdentityKey: ServiceContextKey {
    typealias Value = SpanIdentity
    static let nameOverride: String? = "agentd-span"
}

extension ServiceContext {
    var spanIdentity: SpanIdentity? {
        get { self[SpanIdentityKey.self] }
        set { self[SpanIdentityKey.self] = newValue }
    }
}

/// xoshiro256** seeded once from the system: span ids need to be unique, not secret, and asking
/// the kernel for each (SystemRandomNumberGenerator) showed in the profile.
struct FastRandom {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9e37_79b9_7f4a_7c15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    mutating func nextNonZero() -> UInt64 {
        while true { let value = next(); if value != 0 { return value } }
    }
}
