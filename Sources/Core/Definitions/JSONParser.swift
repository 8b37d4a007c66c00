/// JSON text (RFC 8259) read into a `JSONValue`, strictly: no comments, no trailing commas, no
/// leading zeros, no control characters inside strings, no lone surrogates, no number too large
/// for a Double, at most `maximumDepth` nested arrays and objects. A duplicated key keeps its last
/// value.
///
/// Numbers come out as Foundation's `JSONDecoder` gives them through `JSONValue`'s `Decodable`
/// conformance (CoreTests holds the two to the same answers): a number whose exact decimal value
/// is a whole number that fits an `Int` is `.integer` (`3`, `3.0`, `3e2`), any other `.number`.
/// Foundation also accepts a trailing comma (`[1,]`); this reader does not.
///
/// why not `JSONDecoder`: it goes through `Decodable`, trying each case of `JSONValue` in turn
/// at every value; reading the JSON stored in every execution, step and schedule row was a third
/// of a schedule slot's cost on the writer thread (triggers-bench, issue 16).
public enum JSONParser {
    /// Why a text is not JSON, and where (a byte offset from 0).
    public struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "not JSON at byte \(offset): \(reason)" }
    }

    public static let maximumDepth = 512

    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        var text = text
        // Native strings are contiguous UTF-8 already (valid, so no check is needed).
        let result: Result<JSONValue, SyntaxError> = text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes, checksUTF8: false)
            return Result { () throws(SyntaxError) -> JSONValue in try reader.document() }
        }
        return try result.get()
    }

    /// Bytes from the network: invalid UTF-8 inside a string is refused too.
    public static func parse(bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        let result: Result<JSONValue, SyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, checksUTF8: true)
            return Result { () throws(SyntaxError) -> JSONValue in try reader.document() }
        }
        return try result.get()
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let checksUTF8: Bool
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, checksUTF8: Bool) {
            self.bytes = bytes
            self.checksUTF8 = checksUTF8
        }

        mutating func document() throws(SyntaxError) -> JSONValue {
            skipWhitespace()
            let value = try value(depth: 0)
            skipWhitespace()
            guard index == bytes.count else { throw fail("text after the value") }
            return value
        }

        func fail(_ reason: String, at offset: Int? = nil) -> SyntaxError { SyntaxError(offset: offset ?? index, reason: reason) }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
            guard let byte = current else { throw fail("the text ends where a value should be") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end of text") }
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
            for offset in 0..<count where bytes[index + offset] != expected[offset] { throw fail("unexpected character", at: index + offset) }
            index += count
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw fail("nested deeper than \(JSONParser.maximumDepth)") }
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                guard current == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
                index += 1
                skipWhitespace()
                members[key] = try value(depth: depth)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(members)
                default: throw fail("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw fail("nested deeper than \(JSONParser.maximumDepth)") }
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try value(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(elements)
                default: throw fail("expected ',' or ']' in an array")
                }
            }
        }

        /// A quoted string; `index` is at its opening quote.
        mutating func string() throws(SyntaxError) -> String {
            index += 1
            let start = index
            // The common case: no escapes, one copy of the bytes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = try decode(UnsafeBufferPointer(rebasing: bytes[start..<index]), at: start)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("a control character inside a string must be escaped") }
                index += 1
            }
            var scratch = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    let text = try scratch.withUnsafeBufferPointer { buffer throws(SyntaxError) in try decode(buffer, at: start) }
                    index += 1
                    return text
                case UInt8(ascii: "\\"):
                    try escape(into: &scratch)
                case ..<0x20:
                    throw fail("a control character inside a string must be escaped")
                default:
                    scratch.append(byte)
                    index += 1
                }
            }
            throw fail("a string is not closed", at: start - 1)
        }

        func decode(_ utf8: UnsafeBufferPointer<UInt8>, at offset: Int) throws(SyntaxError) -> String {
            guard checksUTF8 else { return String(decoding: utf8, as: UTF8.self) }
            guard let text = String(validating: utf8, as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: offset) }
            return text
        }

        /// One escape sequence; `index` is at its backslash.
        mutating func escape(into scratch: inout [UInt8]) throws(SyntaxError) {
            let at = index
            index += 1
            guard let byte = current else { throw fail("a string is not closed") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(try hex4())
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate is only half a character: its low half must follow.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw fail("a \\u escape of a high surrogate without its low surrogate", at: at)
                    }
                    index += 2
                    let low = UInt32(try hex4())
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("a \\u escape of a high surrogate without its low surrogate", at: at) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("a \\u escape of a lone low surrogate", at: at)
                }
                // Valid by the checks above: not a surrogate, at most 0x10FFFF.
                scratch.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                throw fail("an unknown escape sequence", at: at)
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt16 {
            guard index + 4 <= bytes.count else { throw fail("a \\u escape needs four hex digits") }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail("a \\u escape needs four hex digits")
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }

        mutating func number() throws(SyntaxError) -> JSONValue {
            let start = index
            let negative = current == UInt8(ascii: "-")
            if negative { index += 1 }
            guard let first = current, Self.isDigit(first) else { throw fail("a '-' without digits") }
            let integerStart = index
            if first == UInt8(ascii: "0") {
                index += 1
                if let next = current, Self.isDigit(next) { throw fail("a number with a leading zero") }
            } else {
                _ = digits()
            }
            let integerEnd = index
            var fractionEnd = index
            if current == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw fail("a '.' without digits after it") }
                fractionEnd = index
            }
            var exponent = 0
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                let exponentNegative = current == UInt8(ascii: "-")
                if current == UInt8(ascii: "+") || exponentNegative { index += 1 }
                let exponentStart = index
                guard digits() > 0 else { throw fail("an exponent without digits") }
                for byte in bytes[exponentStart..<index] where exponent < 100_000 { exponent = exponent * 10 + Int(byte - UInt8(ascii: "0")) }
                if exponentNegative { exponent = -exponent }
            }
            if let whole = wholeValue(negative: negative, integer: integerStart..<integerEnd,
                                      fraction: fractionEnd > integerEnd ? integerEnd + 1..<fractionEnd : fractionEnd..<fractionEnd, exponent: exponent) {
                return .integer(whole)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let double = Double(text), double.isFinite else { throw fail("a number too large for a Double", at: start) }
            return .number(double)
        }

        /// The number's exact decimal value when it is a whole number that fits an Int (as
        /// Foundation reads `4.0194488161105446e+17` as 401944881611054460, not as the Double
        /// nearest to it), else nil.
        func wholeValue(negative: Bool, integer: Range<Int>, fraction: Range<Int>, exponent: Int) -> Int? {
            // The digits as one integer D, the value being D × 10^(exponent − fraction digits).
            var significant = Array(bytes[integer]) + Array(bytes[fraction])
            var scale = exponent - fraction.count
            while significant.count > 1, significant.first == UInt8(ascii: "0") { significant.removeFirst() }
            while scale < 0, significant.count > 1, significant.last == UInt8(ascii: "0") {
                significant.removeLast()
                scale += 1
            }
            if significant == [UInt8(ascii: "0")] { return 0 }
            guard scale >= 0, scale <= 19 else { return nil }
            // Accumulated negative, so that Int.min fits.
            var value = 0
            for byte in significant {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = times.subtractingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                value = next
            }
            for _ in 0..<scale {
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = times
            }
            if negative { return value }
            return value == Int.min ? nil : -value
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func digits() -> Int {
            var count = 0
            while let byte = current, Self.isDigit(byte) {
                index += 1
                count += 1
            }
            return count
        }
    }
}
