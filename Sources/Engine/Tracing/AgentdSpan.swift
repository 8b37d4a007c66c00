import Core
import Synchronization
import Tracing

/// A span of agentd's tracer: recording when its trace is sampled, otherwise only a context that
/// carries the trace (and the decision not to sample it) on to what it calls.
public struct AgentdSpan: Span {
    public let context: ServiceContext
    let recording: RecordingSpan?

    public var operationName: String {
        get { recording?.state.withLock { $0.name } ?? "" }
        nonmutating set { recording?.state.withLock { $0.name = newValue } }
    }

    public var attributes: SpanAttributes {
        get { recording?.state.withLock { $0.attributes } ?? [:] }
        nonmutating set { recording?.state.withLock { $0.attributes = newValue } }
    }

    public var isRecording: Bool { recording?.state.withLock { !$0.ended } ?? false }

    public func setStatus(_ status: SpanStatus) {
        recording?.state.withLock { state in
            // OK is final, as the specification says; an error may be set over unset.
            if state.status?.code != .ok { state.status = status }
        }
    }

    public func addEvent(_ event: SpanEvent) { recording?.state.withLock { $0.events.append(event) } }

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        guard let recording else { return }
        var attributes = attributes
        attributes["exception.type"] = "\(type(of: error))"
        attributes["exception.message"] = "\(error)"
        let event = SpanEvent(name: "exception", at: instant(), attributes: attributes)
        recording.state.withLock { $0.events.append(event) }
    }

    public func addLink(_ link: SpanLink) {
        guard let recording, let identity = link.context.spanIdentity else { return }
        recording.state.withLock { $0.links.append(FinishedSpan.Link(traceParent: identity.traceParent, traceState: identity.traceState,
                                                                     attributes: link.attributes)) }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        recording?.end(at: instant().nanosecondsSinceEpoch)
    }
}

/// What a sampled span holds until it ends; ending it queues it for export once.
final class RecordingSpan: Sendable {
    struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var links: [FinishedSpan.Link] = []
        var ended = false
    }

    let state: Mutex<State>
    let kind: SpanKind
    let identity: SpanIdentity
    let parent: SpanID?
    let startNanoseconds: UInt64
    let queue: SpanQueue

    init(name: String, kind: SpanKind, identity: SpanIdentity, parent: SpanID?, startNanoseconds: UInt64, queue: SpanQueue) {
        state = Mutex(State(name: name))
        self.kind = kind
        self.identity = identity
        self.parent = parent
        self.startNanoseconds = startNanoseconds
        self.queue = queue
    }

    func end(at endNanoseconds: UInt64) {
        let finished: FinishedSpan? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return FinishedSpan(traceParent: identity.traceParent, traceState: identity.traceState, parent: parent, name: state.name,
                                kind: kind, startNanoseconds: startNanoseconds, endNanoseconds: max(endNanoseconds, startNanoseconds),
                                attributes: state.attributes, status: state.status, events: state.events, links: state.links)
        }
        if let finished { queue.add(finished) }
    }
}

/// An ended span, as it is exported.
public struct FinishedSpan: Sendable {
    struct Link: Sendable {
        var traceParent: TraceParent
        var traceState: String?
        var attributes: SpanAttributes
    }

    var traceParent: TraceParent
    var traceState: String?
    var parent: SpanID?
    var name: String
    var kind: SpanKind
    var startNanoseconds: UInt64
    var endNanoseconds: UInt64
    var attributes: SpanAttributes
    var status: SpanStatus?
    var events: [SpanEvent]
    var links: [Link]
}
