@testable import Core
import Foundation
import Testing

/// Numbers from people and programs never become a trapping `Int(_:)` (issue 14, hole 3): every
/// number a step kind's schema declares is bounded, and a step reads its numbers through the
/// same bounds.
@Suite struct NumberBoundsTests {
    /// Every `integer` or `number` in every kind's config schema, with its path.
    static func numericFields(_ schema: JSONValue, at path: String) -> [(String, JSONValue)] {
        var found: [(String, JSONValue)] = []
        let types: [String] = schema["type"]?.stringValue.map { [$0] } ?? schema["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if types.contains("integer") || types.contains("number") { found.append((path, schema)) }
        for (name, property) in schema["properties"]?.objectValue ?? [:] { found += numericFields(property, at: path + "." + name) }
        if let items = schema["items"] { found += numericFields(items, at: path + "[]") }
        if let additional = schema["additionalProperties"], additional.objectValue != nil { found += numericFields(additional, at: path + ".*") }
        for (index, option) in (schema["anyOf"]?.arrayValue ?? []).enumerated() { found += numericFields(option, at: path + "|\(index)") }
        return found
    }

    @Test func everyNumberInEveryKindsSchemaHasAMinimumAndAMaximum() {
        var fields = 0
        for kind in StepKind.allCases {
            for (path, schema) in Self.numericFields(kind.configSchema, at: kind.rawValue) {
                fields += 1
                #expect(schema["minimum"]?.doubleValue != nil && schema["maximum"]?.doubleValue != nil, "\(path) has no bounds: \(schema.canonicalText)")
                if let low = schema["minimum"]?.doubleValue, let high = schema["maximum"]?.doubleValue {
                    // Exact in a Double and an Int: the bounds themselves convert without loss.
                    #expect(WholeNumber.int(low, in: Int.min...Int.max) != nil && WholeNumber.int(high, in: JSONValue.exactWholeNumbers) != nil, "\(path)")
                }
            }
        }
        #expect(fields >= 10, "the walk found only \(fields) numeric fields")
    }

    static let extremes: [JSONValue] = [
        .number(1e308), .number(-1e308), .number(9_223_372_036_854_775_808.0), .number(-9_223_372_036_854_775_808.0 * 2),
        .number(1e19), .number(-0.0), .number(1.5), .number(.nan), .number(.infinity), .number(-.infinity),
        .integer(Int.max), .integer(Int.min), .string("NaN"), .string("Infinity"), .string("1e19"), .bool(true), .array([]), .object([:]),
    ]

    @Test func wholeNumbersConvertOnlyWhenExactAndInRange() {
        for value in Self.extremes {
            let converted = value.int(in: 1...1000)
            #expect(converted == nil, "\(value) became \(String(describing: converted))")
        }
        #expect(JSONValue.number(-0.0).int(in: 0...1) == 0)
        #expect(JSONValue.number(3.0).int(in: 1...3) == 3)
        #expect(JSONValue.integer(3).int(in: 1...3) == 3)
        #expect(WholeNumber.clamped(.nan, to: 0...10) == 0 && WholeNumber.clamped(1e308, to: 0...10) == 10 && WholeNumber.clamped(-1e308, to: 0...10) == 0)
        #expect(WholeNumber.clamped(7.9, to: 0...10) == 7)
    }

    /// Each whole-number field of each kind, read as a running step reads it, with every extreme
    /// value: a validation error naming the field, never a trap, never a number out of bounds.
    @Test func aStepsNumbersOutsideTheirBoundsAreAValidationErrorNotATrap() throws {
        let fields: [(StepKind, String)] = [(.workflow, "version"), (.http, "timeout_ms"), (.http, "max_response_bytes"),
                                            (.llm, "max_tokens"), (.llm, "max_tool_iterations"), (.llm, "timeout_ms"),
                                            (.delay, "duration_ms"), (.approval, "quorum"), (.approval, "expires_after_ms"), (.exec, "timeout_ms")]
        for (kind, field) in fields {
            let bounds = try #require(kind.bounds(of: field), "\(kind.rawValue).\(field) has no bounds")
            for value in Self.extremes where value.int(in: bounds) == nil {
                do {
                    let read = try kind.integer(field, in: .object([field: value]))
                    Issue.record("\(kind.rawValue).\(field) = \(value) was read as \(String(describing: read))")
                } catch {
                    #expect(error.kind == .validation && !error.retryable)
                    #expect(error.message.contains("config.\(field) must be a whole number from \(bounds.lowerBound) to \(bounds.upperBound)"), "\(error.message)")
                }
            }
            #expect(try kind.integer(field, in: .object([field: .integer(bounds.lowerBound)])) == bounds.lowerBound)
            #expect(try kind.integer(field, in: [:]) == nil)
        }
        #expect(throws: StepError.self) { try StepKind.http.integers("expect_status", in: ["expect_status": [200, .number(1e300)]]) }
        #expect(try StepKind.http.integers("expect_status", in: ["expect_status": [200, 204]]) == [200, 204])
    }

    /// Through the definition validator: every numeric field of every kind, and the node and
    /// workflow settings, refuse each extreme value with an issue at its path.
    @Test func applyRefusesExtremeNumbersInEveryNumericField() {
        let bases: [StepKind: JSONValue] = [
            .llm: ["model": "m", "prompt": "p"], .http: ["url": "https://x"], .exec: ["connector": "c", "command": "run"],
            .approval: ["approvers": ["a", "role:x"]], .workflow: ["workflow": "w"], .delay: [:],
        ]
        for (kind, base) in bases {
            for (path, schema) in Self.numericFields(kind.configSchema, at: "") {
                let field = String(path.dropFirst()).replacingOccurrences(of: "[]", with: "")
                for value in Self.extremes where !JSONSchemaCheck.issues(value, against: schema, at: "").isEmpty {
                    var config = base.objectValue!
                    config[field] = path.hasSuffix("[]") ? .array([value]) : value
                    let issues = kind.configIssues(.object(config), at: "config")
                    #expect(issues.contains { $0.path.hasPrefix("config.\(field)") }, "\(kind.rawValue).\(field) = \(value) passed: \(issues)")
                }
            }
        }
        for key in ["timeout_ms", "retry.max_attempts", "retry.initial_backoff_ms", "retry.max_backoff_ms"] {
            for value in Self.extremes {
                // -0 is a fine 0 where 0 is allowed (the backoffs).
                if case .number(let number) = value, number == 0, key.hasSuffix("backoff_ms") { continue }
                var node: [String: JSONValue] = ["kind": "transform", "config": ["output": 1]]
                if key.hasPrefix("retry.") {
                    var retry: [String: JSONValue] = ["max_attempts": 2]
                    retry[String(key.dropFirst(6))] = value
                    node["retry"] = .object(retry)
                } else {
                    node[key] = value
                }
                let (_, issues) = WorkflowDefinition.read(["workflow": "w", "nodes": ["a": .object(node)]])
                #expect(issues.contains { $0.path == "nodes.a.\(key)" }, "nodes.a.\(key) = \(value) passed: \(issues)")
            }
        }
        for key in ["timeout_ms", "concurrency"] {
            for value in Self.extremes {
                var document: [String: JSONValue] = ["workflow": "w", "nodes": ["a": ["kind": "transform", "config": ["output": 1]]]]
                document[key] = value
                let (_, issues) = WorkflowDefinition.read(.object(document))
                #expect(issues.contains { $0.path == key }, "\(key) = \(value) passed: \(issues)")
            }
        }
    }

    /// A workflow's input schema holds the developer's numbers: a bound like 1e300 is shown in
    /// the message, never converted (it trapped in `Int(_:)`).
    @Test func hugeBoundsInAnInputSchemaAreReportedNotTrapped() {
        let schema: JSONValue = ["type": "object", "properties": [
            "xs": ["type": "array", "minItems": .number(1e300)], "s": ["type": "string", "maxLength": .number(-1e300)],
            "n": ["type": "integer", "maximum": .number(-1e308)],
        ]]
        let issues = JSONSchemaCheck.issues(["xs": [], "s": "abc", "n": .number(1e308)], against: schema, at: "input").map(\.description)
        #expect(issues.contains { $0.contains("input.xs: must have at least 1e+300 item(s)") }, "\(issues)")
        #expect(issues.contains { $0.contains("input.s: must be at most -1e+300 characters") }, "\(issues)")
        #expect(issues.contains { $0.contains("input.n: must be at most") }, "\(issues)")
    }
}
