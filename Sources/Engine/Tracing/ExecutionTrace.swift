import Core
import Storage
import Tracing

/// Tracing of executions (docs/observability.md#tracing): an execution is a trace, each step
/// attempt a span in it, and what a step calls over HTTP (model servers, http steps) a child of
/// that span, carrying `traceparent` to the service called (async-http-client adds it). Spans are
/// made through the tracer agentd bootstrapped at start; without one (no `[tracing]
/// otlp_endpoint`) they cost next to nothing and are dropped.
///
/// A step may run on another day than its execution started, after restarts, so nothing is held
/// open in memory: the execution's span is started and ended when it is created (under whatever
/// started it — an API request and its caller's `traceparent`, or a parent's step), and its
/// `traceparent` is stored with the execution; every step's span is made a child of it.
enum ExecutionTrace {
    struct Carrier: Extractor, Injector {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    /// Starts and ends the span that stands for a new execution, under the current context; its
    /// `traceparent`, to store with it (nil when nothing traces).
    static func begin(workflow: String, trigger: String, org: OrgID) -> String? {
        let span = startSpan("execution \(workflow)", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        defer { span.end() }
        guard span.isRecording else { return traceparent(of: span.context) }
        span.updateAttributes { attributes in
            attributes["agentd.workflow"] = workflow
            attributes["agentd.trigger"] = trigger
            attributes["agentd.org_id"] = org.rawValue
        }
        return traceparent(of: span.context)
    }

    static func traceparent(of context: ServiceContext) -> String? {
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: Carrier())
        return carrier["traceparent"]
    }

    /// The context an execution's steps hang under: its stored span, or one derived from its id
    /// (an execution a schedule or a webhook started inside a database unit has none stored).
    static func parent(of execution: ExecutionRecord, sampleRatio: Double) -> ServiceContext {
        var context = ServiceContext.topLevel
        let traceparent: String
        if let stored = execution.traceparent {
            traceparent = stored
        } else {
            // Without a tracer there is nothing to hang under (and no digest to compute per step).
            guard !(InstrumentationSystem.tracer is NoOpTracer) else { return context }
            traceparent = derived(from: execution.id.rawValue, sampleRatio: sampleRatio)
        }
        InstrumentationSystem.instrument.extract(["traceparent": traceparent], into: &context, using: Carrier())
        return context
    }

    /// A traceparent from a digest of the execution id: every step of it lands in one trace,
    /// sampled by the same rule as the tracer's own traces.
    static func derived(from id: String, sampleRatio: Double) -> String {
        let digest = SHA1.hash(Array(id.utf8))
        func word(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        let traceID = TraceID(high: word(digest[0..<8]), low: word(digest[8..<16]) | 1)
        return TraceParent(traceID: traceID, spanID: SpanID(word(digest[12..<20]) | 1), sampled: TraceSampling.sampled(traceID, ratio: sampleRatio))
            .header
    }

    /// The span of one step attempt (or the resumption of a waiting step), a child of its
    /// execution's.
    static func startStep(_ execution: ExecutionRecord, node: String, kind: StepKind, attempt: Int, purpose: JobTicket.Purpose,
                          sampleRatio: Double) -> any Span {
        let parent = parent(of: execution, sampleRatio: sampleRatio)
        // why: the execution's trace was not sampled (flags 00): its steps are not recorded either,
        // so no span is made at all; calls still carry the parent's traceparent, and the decision.
        if execution.traceparent?.hasSuffix("-00") == true { return NoOpTracer.NoOpSpan(context: parent) }
        let span = startSpan("step \(node)", context: parent, ofKind: .internal)
        guard span.isRecording else { return span }
        span.updateAttributes { attributes in
            attributes["agentd.execution_id"] = execution.id.rawValue
            attributes["agentd.workflow"] = execution.workflowName
            attributes["agentd.workflow_version"] = execution.workflowVersion
            attributes["agentd.environment"] = execution.environment.rawValue
            attributes["agentd.node"] = node
            attributes["agentd.step.kind"] = kind.rawValue
            attributes["agentd.attempt"] = attempt
            if purpose != .run { attributes["agentd.job.purpose"] = purpose.rawValue }
        }
        return span
    }

    /// What the attempt came to, on its span: the outcome, the error, and its model calls' tokens
    /// and cost.
    static func record(_ outcome: StepOutcome, calls: [LLMCall], on span: any Span) {
        guard span.isRecording else { return }
        span.updateAttributes { attributes in
            switch outcome {
            case .succeeded: attributes["agentd.outcome"] = "succeeded"
            case .skipped: attributes["agentd.outcome"] = "skipped"
            case .wait, .child, .approval: attributes["agentd.outcome"] = "waiting"
            case .failed(let error):
                attributes["agentd.outcome"] = "failed"
                attributes["agentd.error.kind"] = error.kind.rawValue
            }
            if !calls.isEmpty {
                attributes["agentd.llm.calls"] = calls.count
                attributes["agentd.llm.prompt_tokens"] = calls.reduce(0) { $0 + $1.usage.promptTokens }
                attributes["agentd.llm.completion_tokens"] = calls.reduce(0) { $0 + $1.usage.completionTokens }
                attributes["agentd.llm.cost_micros"] = calls.reduce(Int64(0)) { $0 + $1.costMicros }
            }
        }
        if case .failed(let error) = outcome { span.setStatus(SpanStatus(code: .error, message: error.message)) }
    }
}
