/// Operator semantics.
///
/// - `+ - * / %` take numbers; `+` also joins two strings. Two integers give an integer
///   (overflow is an error) except `/` when the division is not exact, which gives a number:
///   `7 / 2` is `3.5`, `8 / 2` is `4`. Division or remainder by zero is an error.
/// - `==` `!=` compare structurally, with `1 == 1.0`; values of different types are unequal.
/// - `< <= > >=` order two numbers (integers and numbers mix exactly) or two strings (by Unicode
///   scalar values); anything else is an error.
extension TemplateEvaluator {
    mutating func apply(_ op: TemplateBinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue,
                        at offset: Int) throws(TemplateError) -> JSONValue {
        switch op {
        case .equal:
            let same = try equal(lhs, rhs, at: offset)
            return .bool(same)
        case .notEqual:
            let same = try equal(lhs, rhs, at: offset)
            return .bool(!same)
        case .less:
            let order = try compare(lhs, rhs, op, at: offset)
            return .bool(order < 0)
        case .lessEqual:
            let order = try compare(lhs, rhs, op, at: offset)
            return .bool(order <= 0)
        case .greater:
            let order = try compare(lhs, rhs, op, at: offset)
            return .bool(order > 0)
        case .greaterEqual:
            let order = try compare(lhs, rhs, op, at: offset)
            return .bool(order >= 0)
        case .add:
            return try add(lhs, rhs, at: offset)
        case .subtract, .multiply, .divide, .remainder:
            return try arithmetic(op, lhs, rhs, at: offset)
        }
    }

    func negate(_ value: JSONValue, at offset: Int) throws(TemplateError) -> JSONValue {
        switch value {
        case .integer(let number):
            let (result, overflow) = Int(0).subtractingReportingOverflow(number)
            guard !overflow else { throw overflowError(at: offset) }
            return .integer(result)
        case .number(let number):
            return .number(-number)
        default:
            throw typeMismatch("cannot negate \(Self.article(value.typeName)); '-' takes a number", at: offset)
        }
    }

    // MARK: Arithmetic

    private mutating func add(_ lhs: JSONValue, _ rhs: JSONValue, at offset: Int) throws(TemplateError) -> JSONValue {
        switch (lhs, rhs) {
        case (.integer(let x), .integer(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            guard !overflow else { throw overflowError(at: offset) }
            return .integer(sum)
        case (.string(let x), .string(let y)):
            let size = x.utf8.count + y.utf8.count
            try charge(size / 16, at: offset)
            guard size <= maxStringBytes else {
                throw failure(.limitExceeded, "a string of \(size) bytes would be produced; the limit is \(maxStringBytes)",
                              at: offset)
            }
            return .string(x + y)
        default:
            guard let x = lhs.doubleValue, let y = rhs.doubleValue else {
                throw typeMismatch("cannot add \(lhs.typeName) and \(rhs.typeName); '+' takes two numbers or two strings",
                                   at: offset)
            }
            return try finite(x + y, at: offset)
        }
    }

    private func arithmetic(_ op: TemplateBinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue,
                            at offset: Int) throws(TemplateError) -> JSONValue {
        if case .integer(let x) = lhs, case .integer(let y) = rhs {
            switch op {
            case .subtract:
                let (difference, overflow) = x.subtractingReportingOverflow(y)
                guard !overflow else { throw overflowError(at: offset) }
                return .integer(difference)
            case .multiply:
                let (product, overflow) = x.multipliedReportingOverflow(by: y)
                guard !overflow else { throw overflowError(at: offset) }
                return .integer(product)
            case .divide:
                guard y != 0 else { throw divisionByZero(at: offset) }
                let (quotient, overflow) = x.dividedReportingOverflow(by: y)
                guard !overflow else { throw overflowError(at: offset) }
                // No overflow above means x % y cannot overflow either.
                if x % y == 0 { return .integer(quotient) }
                return .number(Double(x) / Double(y))
            case .remainder:
                guard y != 0 else { throw divisionByZero(at: offset) }
                let (remainder, overflow) = x.remainderReportingOverflow(dividingBy: y)
                guard !overflow else { throw overflowError(at: offset) }
                return .integer(remainder)
            default:
                break
            }
        }
        guard let x = lhs.doubleValue, let y = rhs.doubleValue else {
            throw typeMismatch("cannot use '\(op.symbol)' on \(lhs.typeName) and \(rhs.typeName); it takes two numbers",
                               at: offset)
        }
        switch op {
        case .subtract:
            return try finite(x - y, at: offset)
        case .multiply:
            return try finite(x * y, at: offset)
        case .divide:
            guard y != 0 else { throw divisionByZero(at: offset) }
            return try finite(x / y, at: offset)
        case .remainder:
            guard y != 0 else { throw divisionByZero(at: offset) }
            return try finite(x.truncatingRemainder(dividingBy: y), at: offset)
        default:
            throw typeMismatch("'\(op.symbol)' is not arithmetic", at: offset)
        }
    }

    private func finite(_ value: Double, at offset: Int) throws(TemplateError) -> JSONValue {
        guard value.isFinite else {
            throw failure(.arithmetic, "the result is too large to be a number", at: offset)
        }
        return .number(value)
    }

    private func overflowError(at offset: Int) -> TemplateError {
        failure(.arithmetic, "integer overflow: the result is beyond ±\(Int.max)", at: offset)
    }

    private func divisionByZero(at offset: Int) -> TemplateError {
        failure(.arithmetic, "division by zero", at: offset)
    }

    // MARK: Equality

    /// Structural equality, `1 == 1.0`. Containers are compared with an explicit stack, one step
    /// per element, so deep or large data neither recurses nor runs unbounded.
    mutating func equal(_ lhs: JSONValue, _ rhs: JSONValue, at offset: Int) throws(TemplateError) -> Bool {
        if let same = Self.scalarEquality(lhs, rhs) { return same }
        var pending: [(JSONValue, JSONValue)] = [(lhs, rhs)]
        while let pair = pending.popLast() {
            try charge(1, at: offset)
            if let same = Self.scalarEquality(pair.0, pair.1) {
                if !same { return false }
                continue
            }
            switch (pair.0, pair.1) {
            case (.array(let x), .array(let y)):
                guard x.count == y.count else { return false }
                for index in 0..<x.count { pending.append((x[index], y[index])) }
            case (.object(let x), .object(let y)):
                guard x.count == y.count else { return false }
                for (key, value) in x {
                    guard let other = y[key] else { return false }
                    pending.append((value, other))
                }
            default:
                return false
            }
        }
        return true
    }

    /// Equality when at least one side is not a container; nil when both are arrays or both
    /// are objects.
    private static func scalarEquality(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool? {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)):
            guard let exact = Int(exactly: y) else { return false }
            return exact == x
        case (.string(let x), .string(let y)): return x == y
        case (.array, .array), (.object, .object): return nil
        default: return false
        }
    }

    // MARK: Order

    /// -1, 0 or 1.
    private mutating func compare(_ lhs: JSONValue, _ rhs: JSONValue, _ op: TemplateBinaryOperator,
                                  at offset: Int) throws(TemplateError) -> Int {
        switch (lhs, rhs) {
        case (.integer(let x), .integer(let y)):
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.number(let x), .number(let y)):
            guard !x.isNaN, !y.isNaN else { throw notANumber(op, at: offset) }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.integer(let x), .number(let y)):
            guard !y.isNaN else { throw notANumber(op, at: offset) }
            return Self.orderMixed(x, y)
        case (.number(let x), .integer(let y)):
            guard !x.isNaN else { throw notANumber(op, at: offset) }
            return -Self.orderMixed(y, x)
        case (.string(let x), .string(let y)):
            try charge(min(x.utf8.count, y.utf8.count) / 16, at: offset)
            return Self.orderBytes(x.utf8, y.utf8)
        default:
            throw typeMismatch("cannot compare \(lhs.typeName) \(op.symbol) \(rhs.typeName); "
                               + "'\(op.symbol)' takes two numbers or two strings", at: offset)
        }
    }

    /// Exact order of an integer and a (non-NaN) double, with no rounding of large integers.
    private static func orderMixed(_ x: Int, _ y: Double) -> Int {
        if y >= 9_223_372_036_854_775_808.0 { return -1 }
        if y < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = y.rounded(.down)
        let integral = Int(whole)
        if x < integral { return -1 }
        if x > integral { return 1 }
        return whole == y ? 0 : -1
    }

    /// Byte order of UTF-8, which is the order of Unicode scalar values.
    private static func orderBytes(_ x: String.UTF8View, _ y: String.UTF8View) -> Int {
        var left = x.makeIterator()
        var right = y.makeIterator()
        var a = left.next()
        var b = right.next()
        while let p = a, let q = b {
            if p != q { return p < q ? -1 : 1 }
            a = left.next()
            b = right.next()
        }
        if a == nil && b == nil { return 0 }
        return a == nil ? -1 : 1
    }

    private func notANumber(_ op: TemplateBinaryOperator, at offset: Int) -> TemplateError {
        failure(.arithmetic, "cannot order NaN with '\(op.symbol)'", at: offset)
    }

    /// "a string", "an integer", for messages.
    static func article(_ typeName: String) -> String {
        guard let first = typeName.unicodeScalars.first else { return "a " + typeName }
        return ("aeiou".unicodeScalars.contains(first) ? "an " : "a ") + typeName
    }
}
