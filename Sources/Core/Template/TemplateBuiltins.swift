/// What each function does. String functions take null and give null (`lower`, `upper`,
/// `trim`) or an empty result (`length` 0, `join` "", `split` []), so a missing field does not
/// fail a template; any other wrong type is a `.typeMismatch`.
///
/// Arity was checked when the template was parsed; `argument` checks bounds again so a node
/// built wrongly is an error, never a crash.
extension TemplateEvaluator {
    mutating func call(_ function: TemplateFunction, _ arguments: [TemplateNode],
                       at offset: Int) throws(TemplateError) -> JSONValue {
        switch function {
        case .length:
            let value = try argument(arguments, 0, of: function, at: offset)
            return try length(value, at: offset)
        case .lower, .upper, .trim:
            let value = try argument(arguments, 0, of: function, at: offset)
            return try transform(value, function, at: offset)
        case .join:
            let list = try argument(arguments, 0, of: function, at: offset)
            let separator = try argument(arguments, 1, of: function, at: offset)
            return try join(list, separator, at: offset)
        case .split:
            let text = try argument(arguments, 0, of: function, at: offset)
            let separator = try argument(arguments, 1, of: function, at: offset)
            return try splitText(text, separator, at: offset)
        case .json:
            let value = try argument(arguments, 0, of: function, at: offset)
            let text = value.canonicalText
            try charge(text.utf8.count / 16, at: offset)
            try checkSize(text, at: offset)
            return .string(text)
        case .defaultValue:
            // The fallback is evaluated only when it is needed.
            let value = try argument(arguments, 0, of: function, at: offset)
            if case .null = value { return try argument(arguments, 1, of: function, at: offset) }
            return value
        case .coalesce:
            for node in arguments {
                let value = try evaluate(node)
                if case .null = value { continue }
                return value
            }
            return .null
        case .now:
            return .string(context.now.rfc3339)
        case .formatDate:
            let value = try argument(arguments, 0, of: function, at: offset)
            let pattern = try argument(arguments, 1, of: function, at: offset)
            return try formatDate(value, pattern, at: offset)
        case .contains:
            let haystack = try argument(arguments, 0, of: function, at: offset)
            let needle = try argument(arguments, 1, of: function, at: offset)
            return try containsValue(haystack, needle, at: offset)
        case .startsWith, .endsWith:
            let text = try argument(arguments, 0, of: function, at: offset)
            let part = try argument(arguments, 1, of: function, at: offset)
            return try affix(text, part, function, at: offset)
        case .regexMatch:
            // Reached only when the pattern is not a literal (literal ones are compiled by the parser).
            let subject = try argument(arguments, 0, of: function, at: offset)
            let patternValue = try argument(arguments, 1, of: function, at: offset)
            guard case .string(let pattern) = patternValue else {
                throw typeMismatch("regex_match() takes a string pattern, not \(Self.article(patternValue.typeName))",
                                   at: offset)
            }
            switch BoundedRegex.compile(pattern) {
            case .success(let regex):
                return try match(subject, regex, at: offset)
            case .failure(let problem):
                throw failure(.invalidRegex, "invalid regex: \(problem)", at: offset)
            }
        case .secret:
            // The parser turns every secret() call into a `.secret` node.
            throw failure(.syntax, "secret() takes a literal path", at: offset)
        }
    }

    private mutating func argument(_ arguments: [TemplateNode], _ index: Int, of function: TemplateFunction,
                                   at offset: Int) throws(TemplateError) -> JSONValue {
        guard index < arguments.count else {
            throw failure(.wrongArity, "\(function.rawValue)() takes \(function.arityDescription)", at: offset)
        }
        return try evaluate(arguments[index])
    }

    // MARK: Strings and collections

    private mutating func length(_ value: JSONValue, at offset: Int) throws(TemplateError) -> JSONValue {
        switch value {
        case .string(let text):
            try charge(text.utf8.count / 16, at: offset)
            return .integer(text.count)
        case .array(let items):
            return .integer(items.count)
        case .object(let object):
            return .integer(object.count)
        case .null:
            return .integer(0)
        default:
            throw typeMismatch("length() takes a string, array or object, not \(Self.article(value.typeName))",
                               at: offset)
        }
    }

    /// lower, upper, trim.
    private mutating func transform(_ value: JSONValue, _ function: TemplateFunction,
                                    at offset: Int) throws(TemplateError) -> JSONValue {
        let text: String
        switch value {
        case .string(let string):
            text = string
        case .null:
            return .null
        default:
            throw typeMismatch("\(function.rawValue)() takes a string, not \(Self.article(value.typeName))", at: offset)
        }
        try charge(text.utf8.count / 16, at: offset)
        let result: String
        switch function {
        case .lower: result = text.lowercased()
        case .upper: result = text.uppercased()
        default: result = Self.trimmed(text)
        }
        try checkSize(result, at: offset)
        return .string(result)
    }

    /// Without leading and trailing white space (Unicode's definition).
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace {
            start = scalars.index(after: start)
        }
        while start < end {
            let before = scalars.index(before: end)
            guard scalars[before].properties.isWhitespace else { break }
            end = before
        }
        var out = ""
        out.unicodeScalars.append(contentsOf: scalars[start..<end])
        return out
    }

    private mutating func join(_ list: JSONValue, _ separator: JSONValue, at offset: Int) throws(TemplateError) -> JSONValue {
        guard case .string(let glue) = separator else {
            throw typeMismatch("join() takes a string separator, not \(Self.article(separator.typeName))", at: offset)
        }
        let items: [JSONValue]
        switch list {
        case .array(let values):
            items = values
        case .null:
            return .string("")
        default:
            throw typeMismatch("join() takes an array, not \(Self.article(list.typeName))", at: offset)
        }
        var out = ""
        for (position, item) in items.enumerated() {
            if position > 0 { out += glue }
            try charge(1 + glue.utf8.count / 16, at: offset)
            try append(item, to: &out, at: offset)
        }
        return .string(out)
    }

    private mutating func splitText(_ value: JSONValue, _ separator: JSONValue,
                                    at offset: Int) throws(TemplateError) -> JSONValue {
        guard case .string(let glue) = separator else {
            throw typeMismatch("split() takes a string separator, not \(Self.article(separator.typeName))", at: offset)
        }
        let text: String
        switch value {
        case .string(let string):
            text = string
        case .null:
            return .array([])
        default:
            throw typeMismatch("split() takes a string, not \(Self.article(value.typeName))", at: offset)
        }
        try charge((text.utf8.count + glue.utf8.count) / 16, at: offset)
        var pieces: [JSONValue] = []
        if glue.isEmpty {
            // An empty separator splits into characters.
            for character in text {
                try charge(1, at: offset)
                pieces.append(.string(String(character)))
            }
            return .array(pieces)
        }
        let bytes = Array(text.utf8)
        let glueLength = glue.utf8.count
        var from = 0
        for start in ByteSearch(Array(glue.utf8)).matches(in: bytes, firstOnly: false) {
            try charge(1, at: offset)
            pieces.append(.string(String(decoding: bytes[from..<start], as: UTF8.self)))
            from = start + glueLength
        }
        pieces.append(.string(String(decoding: bytes[from..<bytes.count], as: UTF8.self)))
        return .array(pieces)
    }

    /// A substring of a string, an element of an array (structural `==`), or a key of an object.
    private mutating func containsValue(_ haystack: JSONValue, _ needle: JSONValue,
                                        at offset: Int) throws(TemplateError) -> JSONValue {
        switch haystack {
        case .null:
            return .bool(false)
        case .string(let text):
            guard case .string(let part) = needle else {
                throw typeMismatch("contains() looks for a string in a string, not for \(Self.article(needle.typeName))",
                                   at: offset)
            }
            try charge((text.utf8.count + part.utf8.count) / 16, at: offset)
            if part.isEmpty { return .bool(true) }
            let found = ByteSearch(Array(part.utf8)).matches(in: Array(text.utf8), firstOnly: true)
            return .bool(!found.isEmpty)
        case .array(let items):
            for item in items {
                try charge(1, at: offset)
                let same = try equal(item, needle, at: offset)
                if same { return .bool(true) }
            }
            return .bool(false)
        case .object(let object):
            guard case .string(let key) = needle else { return .bool(false) }
            return .bool(object[key] != nil)
        default:
            throw typeMismatch("contains() looks in a string, array or object, not in \(Self.article(haystack.typeName))",
                               at: offset)
        }
    }

    /// starts_with, ends_with.
    private mutating func affix(_ value: JSONValue, _ partValue: JSONValue, _ function: TemplateFunction,
                                at offset: Int) throws(TemplateError) -> JSONValue {
        guard case .string(let part) = partValue else {
            throw typeMismatch("\(function.rawValue)() takes a string to look for, not \(Self.article(partValue.typeName))",
                               at: offset)
        }
        let text: String
        switch value {
        case .string(let string):
            text = string
        case .null:
            return .bool(false)
        default:
            throw typeMismatch("\(function.rawValue)() takes a string, not \(Self.article(value.typeName))", at: offset)
        }
        try charge(part.utf8.count / 16, at: offset)
        let textBytes = text.utf8
        let partBytes = part.utf8
        guard partBytes.count <= textBytes.count else { return .bool(false) }
        if function == .startsWith { return .bool(textBytes.starts(with: partBytes)) }
        return .bool(textBytes.suffix(partBytes.count).elementsEqual(partBytes))
    }

    // MARK: Regex, dates, secrets

    /// Runs a compiled pattern; its work is paid from the step budget (64 machine steps a step).
    mutating func match(_ subject: JSONValue, _ regex: BoundedRegex, at offset: Int) throws(TemplateError) -> JSONValue {
        let text: String
        switch subject {
        case .string(let string):
            text = string
        case .null:
            return .bool(false)
        default:
            throw typeMismatch("regex_match() takes a string, not \(Self.article(subject.typeName))", at: offset)
        }
        let size = text.utf8.count
        let limit = context.limits.maxRegexInputBytes
        guard size <= limit else {
            throw failure(.limitExceeded, "regex_match() was given \(size) bytes; the limit is \(limit)", at: offset)
        }
        // Setting up the machine allocates two lists as long as the program.
        try charge(regex.program.count / 16, at: offset)
        let fuel = min(remainingSteps, Int.max / 128) * 64
        var budget = fuel
        let outcome = regex.matches(text, budget: &budget)
        try charge((fuel - budget) / 64 + 1, at: offset)
        guard let matched = outcome else { throw tooManySteps(at: offset) }
        return .bool(matched)
    }

    private mutating func formatDate(_ value: JSONValue, _ patternValue: JSONValue,
                                     at offset: Int) throws(TemplateError) -> JSONValue {
        guard case .string(let pattern) = patternValue else {
            throw typeMismatch("format_date() takes a string pattern, not \(Self.article(patternValue.typeName))",
                               at: offset)
        }
        let millis: Int64
        switch value {
        case .string(let text):
            // At most 30 bytes: `YYYY-MM-DDTHH:MM:SS.fffffffffZ`. Longer text is no time we read.
            guard text.utf8.count <= 30, let instant = Instant(rfc3339: text) else {
                throw failure(.invalidDate, "format_date() takes an RFC 3339 UTC time like 2025-03-01T10:07:00Z "
                              + "or epoch milliseconds, not '\(Self.preview(text))'", at: offset)
            }
            millis = instant.millisecondsSinceEpoch
        case .integer(let number):
            millis = Int64(number)
        case .number(let number):
            guard let whole = Int64(exactly: number) else {
                throw failure(.invalidDate, "format_date() takes whole epoch milliseconds, not \(number)", at: offset)
            }
            millis = whole
        default:
            throw typeMismatch("format_date() takes a time string or epoch milliseconds, not \(Self.article(value.typeName))",
                               at: offset)
        }
        guard millis >= TemplateDateFormat.earliestMilliseconds, millis <= TemplateDateFormat.latestMilliseconds else {
            throw failure(.invalidDate, "format_date() shows the years 0000 to 9999 only", at: offset)
        }
        try charge(pattern.utf8.count / 16 + 1, at: offset)
        let text = TemplateDateFormat.format(millisecondsSinceEpoch: millis, pattern: pattern)
        try checkSize(text, at: offset)
        return .string(text)
    }

    mutating func resolveSecret(_ path: String, field node: TemplateNode?,
                                at offset: Int) throws(TemplateError) -> JSONValue {
        var field: String?
        if let node {
            let value = try evaluate(node)
            switch value {
            case .string(let name):
                field = name
            case .null:
                field = nil
            default:
                throw typeMismatch("secret() takes a string field name, not \(Self.article(value.typeName))", at: offset)
            }
        }
        guard let resolver = context.secretResolver else {
            throw failure(.secretUnavailable, "secrets are resolved only when a step runs", at: offset)
        }
        do {
            return try resolver(path, field)
        } catch let error as TemplateError {
            throw failure(.secretUnavailable, "secret '\(path)': \(error.message)", at: offset)
        } catch {
            throw failure(.secretUnavailable, "secret '\(path)' could not be read: \(error)", at: offset)
        }
    }

    /// The start of a text for an error message.
    static func preview(_ text: String) -> String {
        text.prefix(41).count <= 40 ? text : String(text.prefix(40)) + "…"
    }
}
