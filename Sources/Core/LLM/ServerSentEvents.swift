/// Splits a `text/event-stream` body, arriving in arbitrary pieces, into the `data:` payloads
/// of its events (what OpenAI-compatible servers stream). Lines end in LF or CRLF; an event
/// ends at an empty line; comments (`:`) and other fields are ignored.
public struct ServerSentEvents: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    /// A line longer than this ends the stream as malformed rather than growing without bound.
    public static let maximumLineBytes = 1 << 20

    public init() {}

    public enum Failure: Error, Hashable { case lineTooLong }

    /// The payloads of the events completed by `bytes`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [String] {
        var events: [String] = []
        for byte in bytes {
            guard byte == 10 else {
                line.append(byte)
                if line.count > Self.maximumLineBytes { throw .lineTooLong }
                continue
            }
            if line.last == 13 { line.removeLast() }
            if line.isEmpty {
                if hasData { events.append(String(decoding: data, as: UTF8.self)) }
                data.removeAll(keepingCapacity: true)
                hasData = false
            } else if line.starts(with: Array("data:".utf8)) {
                var value = line.dropFirst(5)
                if value.first == 32 { value = value.dropFirst() }
                if hasData { data.append(10) }
                data.append(contentsOf: value)
                hasData = true
            }
            line.removeAll(keepingCapacity: true)
        }
        return events
    }
}
