import Core
import Testing

/// W3C traceparent parsing and formatting, and the trace-id ratio sampler.
@Suite struct TraceParentTests {
    @Test func aHeaderRoundTrips() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parsed = try #require(TraceParent(header))
        #expect(parsed.traceID == TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736))
        #expect(parsed.spanID == SpanID(0x00f0_67aa_0ba9_02b7) && parsed.sampled)
        #expect(parsed.header == header)
        #expect(parsed.traceID.bytes.count == 16 && parsed.spanID.bytes == [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        #expect(TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
        // Flags other than "sampled" are not kept; the low bit decides.
        #expect(TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")?.header.hasSuffix("-01") == true)
        // A later version's extra fields are ignored.
        #expect(TraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes") != nil)
    }

    @Test(arguments: [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  // no flags
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero span id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // version 00 is exactly 55
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // extra without a dash
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  // not hex
    ])
    func malformedHeadersAreRefused(_ header: String) {
        #expect(TraceParent(header) == nil)
    }

    @Test func theRatioSamplerKeepsItsShareAndAgreesWithItself() {
        var generator = SystemRandomNumberGenerator()
        let ids = (0..<20_000).map { _ in TraceID(high: generator.next(), low: generator.next()) }
        #expect(ids.allSatisfy { TraceSampling.sampled($0, ratio: 1) })
        #expect(!ids.contains { TraceSampling.sampled($0, ratio: 0) })
        let kept = ids.filter { TraceSampling.sampled($0, ratio: 0.1) }.count
        #expect((1_600...2_400).contains(kept), "\(kept) of 20,000 kept at 10 %")
        // The same id, the same decision; a trace kept at 10 % is kept at 50 %.
        #expect(ids.filter { TraceSampling.sampled($0, ratio: 0.1) }.allSatisfy { TraceSampling.sampled($0, ratio: 0.5) })
    }
}
