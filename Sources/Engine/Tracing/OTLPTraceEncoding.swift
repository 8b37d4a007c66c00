import Core
import Tracing

/// An OTLP `ExportTraceServiceRequest` in protobuf's binary form, written field by field from
/// opentelemetry-proto's trace.proto, common.proto and resource.proto (v1): one ResourceSpans
/// (agentd's resource), one ScopeSpans (scope "agentd"), the spans.
enum OTLPTraceEncoding {
    static func request(_ spans: [FinishedSpan], resource: [(String, SpanAttribute)]) -> [UInt8] {
        var resourceSpans = ProtobufWriter()
        resourceSpans.message(1) { resourceMessage in  // Resource
            for (key, value) in resource { resourceMessage.message(1) { $0.keyValue(key, value) } }
        }
        resourceSpans.message(2) { scopeSpans in  // ScopeSpans
            scopeSpans.message(1) { $0.string(1, "agentd") }  // InstrumentationScope.name
            for span in spans { scopeSpans.message(2) { $0.span(span) } }
        }
        var request = ProtobufWriter()
        request.bytes(1, resourceSpans.bytes)  // ExportTraceServiceRequest.resource_spans
        return request.bytes
    }
}

/// The few protobuf encodings OTLP needs: varints, fixed64, length-delimited fields.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func key(_ field: Int, wire: UInt64) { varint(UInt64(field) << 3 | wire) }

    mutating func uint(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }  // proto3: a default is not written
        key(field, wire: 0)
        varint(value)
    }

    mutating func int(_ field: Int, _ value: Int64) {
        key(field, wire: 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, wire: 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func double(_ field: Int, _ value: Double) { fixed64(field, value.bitPattern) }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, wire: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) {
        guard !value.isEmpty else { return }
        key(field, wire: 2)
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func message(_ field: Int, _ write: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        write(&inner)
        bytes(field, inner.bytes)
    }

    // MARK: opentelemetry.proto messages

    /// KeyValue: key 1, value 2 (AnyValue).
    mutating func keyValue(_ key: String, _ value: SpanAttribute) {
        string(1, key)
        message(2) { $0.anyValue(value) }
    }

    /// AnyValue: string 1, bool 2, int 3, double 4, array 5 (ArrayValue: values 1).
    mutating func anyValue(_ value: SpanAttribute) {
        func array(_ values: [SpanAttribute]) { message(5) { array in for value in values { array.message(1) { $0.anyValue(value) } } } }
        switch value {
        case .string(let text): key(1, wire: 2); varint(UInt64(text.utf8.count)); bytes.append(contentsOf: text.utf8)
        case .bool(let flag): key(2, wire: 0); varint(flag ? 1 : 0)
        case .int32(let number): int(3, Int64(number))
        case .int64(let number): int(3, number)
        case .double(let number): double(4, number)
        case .stringArray(let texts): array(texts.map { .string($0) })
        case .boolArray(let flags): array(flags.map { .bool($0) })
        case .int32Array(let numbers): array(numbers.map { .int64(Int64($0)) })
        case .int64Array(let numbers): array(numbers.map { .int64($0) })
        case .doubleArray(let numbers): array(numbers.map { .double($0) })
        case .stringConvertible(let value): anyValue(.string(value.description))
        case .stringConvertibleArray(let values): array(values.map { .string($0.description) })
        default: anyValue(.string("\(value)"))
        }
    }

    private mutating func attributes(_ field: Int, _ attributes: SpanAttributes) {
        attributes.forEach { name, value in message(field) { $0.keyValue(name, value) } }
    }

    /// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6, start 7,
    /// end 8, attributes 9, events 11, links 13, status 15.
    mutating func span(_ span: FinishedSpan) {
        bytes(1, span.traceParent.traceID.bytes)
        bytes(2, span.traceParent.spanID.bytes)
        string(3, span.traceState ?? "")
        if let parent = span.parent { bytes(4, parent.bytes) }
        string(5, span.name)
        uint(6, Self.kind(span.kind))
        fixed64(7, span.startNanoseconds)
        fixed64(8, span.endNanoseconds)
        attributes(9, span.attributes)
        for event in span.events {
            message(11) { event_ in  // Event: time 1, name 2, attributes 3
                event_.fixed64(1, event.nanosecondsSinceEpoch)
                event_.string(2, event.name)
                event_.attributes(3, event.attributes)
            }
        }
        for link in span.links {
            message(13) { link_ in  // Link: trace_id 1, span_id 2, trace_state 3, attributes 4
                link_.bytes(1, link.traceParent.traceID.bytes)
                link_.bytes(2, link.traceParent.spanID.bytes)
                link_.string(3, link.traceState ?? "")
                link_.attributes(4, link.attributes)
            }
        }
        if let status = span.status {
            message(15) { status_ in  // Status: message 2, code 3 (unset 0, ok 1, error 2)
                status_.string(2, status.message ?? "")
                status_.uint(3, status.code == .ok ? 1 : 2)
            }
        }
    }

    /// SpanKind: internal 1, server 2, client 3, producer 4, consumer 5.
    static func kind(_ kind: SpanKind) -> UInt64 {
        switch kind {
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        default: 1
        }
    }
}
