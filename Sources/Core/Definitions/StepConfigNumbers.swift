/// Whole-number config fields as a step reads them when it runs, with the bounds its kind's
/// schema declares: one declaration (the schema) for what `apply` refuses and what a running
/// step accepts.
///
/// Validation at apply time refuses out-of-range values, but a config can still reach a step
/// that it would refuse today: a definition stored by an older agentd (before the bounds), or
/// a value that only exists once templates are rendered. Such a step fails with a validation
/// error (not retried); it never converts the number with a trapping `Int(_:)`.
extension StepKind {
    /// The bounds the config schema declares for the whole-number field `field` (for an array
    /// field, of its items). Every numeric field of every kind has both (a test checks it).
    public func bounds(of field: String) -> ClosedRange<Int>? {
        guard var schema = configSchema["properties"]?[field] else { return nil }
        if let items = schema["items"] { schema = items }
        guard let low = schema["minimum"]?.doubleValue.flatMap({ Int(exactly: $0) }),
              let high = schema["maximum"]?.doubleValue.flatMap({ Int(exactly: $0) }), low <= high else { return nil }
        return low...high
    }

    /// The whole-number field `field` of a rendered config: nil when absent (or null), the
    /// number when it is whole and within the schema's bounds, otherwise a validation error
    /// that names the field, the bounds and the value.
    public func integer(_ field: String, in config: JSONValue) throws(StepError) -> Int? {
        guard let value = config[field], value != .null else { return nil }
        return try Self.checked(value, field: "config.\(field)", in: bounds(of: field) ?? Int.min...Int.max)
    }

    /// The items of the whole-number array field `field` (e.g. `expect_status`), each checked.
    public func integers(_ field: String, in config: JSONValue) throws(StepError) -> [Int]? {
        guard let value = config[field], value != .null else { return nil }
        guard let items = value.arrayValue else { throw StepError(.validation, "config.\(field) must be a list of whole numbers, not \(value.typeName)") }
        let range = bounds(of: field) ?? Int.min...Int.max
        var numbers: [Int] = []
        for (index, item) in items.enumerated() { numbers.append(try Self.checked(item, field: "config.\(field)[\(index)]", in: range)) }
        return numbers
    }

    private static func checked(_ value: JSONValue, field: String, in range: ClosedRange<Int>) throws(StepError) -> Int {
        if let number = value.int(in: range) { return number }
        let shown = value.stringValue.map { "\"\(TextPreview.short($0))\"" } ?? value.canonicalText
        throw StepError(.validation, "\(field) must be a whole number from \(range.lowerBound) to \(range.upperBound); got \(shown)")
    }
}

enum TextPreview {
    static func short(_ text: String) -> String { text.count <= 40 ? text : String(text.prefix(40)) + "…" }
}
